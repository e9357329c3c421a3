//! Integration tests: real nodes on port 0, a real `redis-server` on a free
//! port, real WebSocket clients. Most behaviour is checked twice, on two nodes
//! sharing Redis and on one node with the embedded broker, by writing the test
//! body once over a [`helpers::Cluster`].

mod helpers;

mod bad_input;
mod chat;
mod connections;
mod http;
mod redis_broker;

/// Runs each named `async fn(&Cluster)` against two Redis-backed nodes and
/// against one embedded-broker node.
macro_rules! on_both_brokers {
    ($($test:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&crate::helpers::Cluster::redis(2).await).await;
                }
            )*
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&crate::helpers::Cluster::embedded().await).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_brokers;
