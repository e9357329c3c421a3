//! Micro-benchmarks of the paths every message takes: decoding a client
//! frame, encoding the message frame once per node, and the hub's fan-out to
//! 100 and 10,000 local members. Run with `cargo bench -p roomcast-server`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use roomcast_protocol::{ClientFrame, MessageId, RoomName, ServerFrame};
use roomcast_server::broker::{BrokerHandler, Envelope, Offset};
use roomcast_server::hub::Hub;
use roomcast_server::outbox::Outbox;

const SEND: &str = r#"{"type":"send","room":"general","client_id":"c-7f3a9c21e4b8d605-17","text":"a chat message of about a hundred bytes, which is what the reference load scenario sends around"}"#;

fn envelope() -> Envelope<'static> {
    Envelope {
        origin: 1,
        session: 1,
        client_id: "c-7f3a9c21e4b8d605-17".into(),
        author: "Ada".into(),
        text: "a chat message of about a hundred bytes, which is what the reference load scenario sends"
            .into(),
        user: None,
    }
}

fn decode(c: &mut Criterion) {
    c.bench_function("decode a send frame", |b| b.iter(|| ClientFrame::decode(black_box(SEND))));
}

fn encode(c: &mut Criterion) {
    let room = RoomName::parse("general").expect("valid room");
    let envelope = envelope();
    c.bench_function("encode a message frame", |b| {
        b.iter(|| {
            ServerFrame::Message(envelope.to_frame(&room, MessageId::new(1_764_480_000_123, 0))).encode()
        })
    });
}

fn fan_out(c: &mut Criterion) {
    let room = RoomName::parse("general").expect("valid room");
    for members in [100usize, 10_000] {
        let hub = Hub::new(2, true, Arc::default());
        // Deep queues, drained between iterations, so no member ever counts as slow.
        let mut queues = Vec::with_capacity(members);
        for session in 0..members as u64 {
            let (outbox, queue) = Outbox::new(64);
            hub.join(&room, session, outbox, roomcast_protocol::PROTOCOL_VERSION);
            hub.go_live(&room, session, None);
            queues.push(queue);
        }
        let envelope = envelope();
        let mut seq = 0;
        c.bench_function(&format!("fan a message out to {members} members"), |b| {
            b.iter_batched(
                || {
                    for queue in &mut queues {
                        while queue.try_recv().is_ok() {}
                    }
                    seq += 1;
                    seq
                },
                |seq| {
                    hub.deliver(
                        &room,
                        Offset { id: MessageId::new(1_764_480_000_123, seq), epoch: "e" },
                        (&envelope).into(),
                    )
                },
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(hot_paths, decode, encode, fan_out);
criterion_main!(hot_paths);
