//! Who connects where and who talks in which room. Clients go to the nodes
//! round-robin and fill the rooms so that every room has members on every
//! node; publishers are spread over rooms first, then over nodes.

/// The shape of one scenario, by index: client `c`, room `r`, node `n`,
/// publisher `p`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub nodes: usize,
    pub rooms: usize,
    pub clients: usize,
    /// The client that publisher `p` sends from.
    publisher_clients: Vec<usize>,
}

impl Layout {
    /// Fails when there are too few clients to give every publisher its own
    /// member of its room on its node.
    pub fn new(nodes: usize, rooms: usize, clients: usize, publishers: usize) -> Result<Layout, String> {
        if nodes == 0 || rooms == 0 || clients == 0 {
            return Err("nodes, rooms and clients must each be at least 1".into());
        }
        let mut layout = Layout { nodes, rooms, clients, publisher_clients: Vec::with_capacity(publishers) };
        for p in 0..publishers {
            // Client c is on node c % nodes in room (c / nodes) % rooms, so the
            // k-th client of room r on node n is nodes * (r + rooms * k) + n.
            let (room, node, k) = (p % rooms, p % nodes, p / rooms);
            let client = nodes * (room + rooms * k) + node;
            if client >= clients {
                return Err(format!(
                    "{clients} clients are too few for {publishers} publishers in {rooms} rooms on {nodes} nodes"
                ));
            }
            layout.publisher_clients.push(client);
        }
        Ok(layout)
    }

    pub fn node_of(&self, client: usize) -> usize {
        client % self.nodes
    }

    pub fn room_of(&self, client: usize) -> usize {
        (client / self.nodes) % self.rooms
    }

    pub fn publishers(&self) -> usize {
        self.publisher_clients.len()
    }

    pub fn publisher_client(&self, publisher: usize) -> usize {
        self.publisher_clients[publisher]
    }

    /// The publisher that sends from `client`, if any.
    pub fn publisher_at(&self, client: usize) -> Option<usize> {
        self.publisher_clients.iter().position(|c| *c == client)
    }

    /// The room publisher `p` sends to.
    pub fn publisher_room(&self, publisher: usize) -> usize {
        self.room_of(self.publisher_client(publisher))
    }

    /// Members of each room.
    pub fn room_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.rooms];
        (0..self.clients).for_each(|c| sizes[self.room_of(c)] += 1);
        sizes
    }

    /// Clients connected to each node.
    pub fn node_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.nodes];
        (0..self.clients).for_each(|c| sizes[self.node_of(c)] += 1);
        sizes
    }

    /// The publishers sending to each room.
    pub fn publishers_by_room(&self) -> Vec<Vec<usize>> {
        let mut by_room = vec![Vec::new(); self.rooms];
        (0..self.publishers()).for_each(|p| by_room[self.publisher_room(p)].push(p));
        by_room
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_room_has_members_on_every_node_and_rooms_are_even() {
        let layout = Layout::new(2, 10, 1000, 10).unwrap();
        for room in 0..10 {
            let nodes: BTreeSet<usize> =
                (0..1000).filter(|c| layout.room_of(*c) == room).map(|c| layout.node_of(c)).collect();
            assert_eq!(nodes, BTreeSet::from([0, 1]), "room {room}");
        }
        assert_eq!(layout.room_sizes(), vec![100; 10]);
        assert_eq!(layout.node_sizes(), vec![500, 500]);
    }

    #[test]
    fn publishers_are_distinct_members_spread_over_rooms_then_nodes() {
        let layout = Layout::new(2, 10, 1000, 25).unwrap();
        let clients: BTreeSet<usize> = (0..25).map(|p| layout.publisher_client(p)).collect();
        assert_eq!(clients.len(), 25);
        for p in 0..25 {
            let client = layout.publisher_client(p);
            assert_eq!(layout.room_of(client), p % 10, "publisher {p}");
            assert_eq!(layout.node_of(client), p % 2, "publisher {p}");
            assert_eq!(layout.publisher_at(client), Some(p));
        }
        assert_eq!(layout.publishers_by_room()[3], vec![3, 13, 23]);
    }

    #[test]
    fn too_few_clients_for_the_publishers_is_refused() {
        assert!(Layout::new(2, 10, 10, 10).is_err());
        assert!(Layout::new(2, 10, 20, 10).is_ok());
        assert!(Layout::new(0, 10, 20, 0).is_err());
    }
}
