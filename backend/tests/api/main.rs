//! Integration tests: real nodes on port 0, a real `redis-server` on a free
//! port, real WebSocket clients. Most behaviour is checked twice, on two nodes
//! sharing Redis and on one node with the embedded broker, by writing the test
//! body once over a [`helpers::Cluster`].

mod helpers;

mod bad_input;
mod chat;
mod connections;
mod edits;
mod exactly_once;
mod history;
mod http;
mod identity;
mod metrics;
mod no_loss;
mod presence;
mod process;
mod redis_broker;
mod retry_after;
mod security;
mod versions;

/// Runs each named `async fn(&Cluster)` against two Redis-backed nodes and
/// against one embedded-broker node, as `<name>::on_redis` and
/// `<name>::on_embedded`. `tweak = f;` first adjusts every node's config.
macro_rules! on_both_brokers {
    ($($test:ident),* $(,)?) => {
        crate::on_both_brokers!(tweak = crate::helpers::no_tweak; $($test),*);
    };
    (tweak = $tweak:path; $($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_redis() {
                    super::$test(&crate::helpers::Cluster::redis_with(2, $tweak).await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_embedded() {
                    super::$test(&crate::helpers::Cluster::embedded_with($tweak).await).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_brokers;
