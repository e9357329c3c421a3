//! One client of the bench: connect, say hello, join, then either read until
//! told to stop (recording every frame on the board) or publish a step's
//! messages at its rate. Every wait has a timeout; a connection that ends is
//! counted, and what it would have received counts as lost.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, Stream, StreamExt};
use roomcast_protocol::{ClientFrame, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use crate::board::{Board, StepLog};
use crate::clock;
use crate::payload::{self, Stamp};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type WsSink = SplitSink<Ws, Message>;

/// Longest wait for one frame to be written.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Small socket buffers, as the server uses: the library's 128 KiB read
/// buffer is zero-filled on every read, which would make the bench's own CPU
/// the bottleneck on a 2-core machine.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(0)
}

/// Where and how one client joins.
pub struct Join<'a> {
    pub url: &'a str,
    pub name: &'a str,
    pub room: &'a str,
    /// `None` for a version 1 `hello` (no `protocol` field).
    pub protocol: Option<u32>,
    /// The socket's receive buffer (`SO_RCVBUF`), when not the system's:
    /// a small one is a reader on a slow link, whose window fills at once.
    pub receive_buffer: Option<u32>,
}

/// Connects, says hello and joins; returns the socket and the protocol version
/// the server speaks on it (1 from a server that predates versions).
pub async fn connect(join: &Join<'_>, limit: Duration) -> anyhow::Result<(Ws, u32)> {
    let attempt = async {
        let mut ws = open(join).await.with_context(|| format!("connect to {}", join.url))?;
        let hello = ClientFrame::Hello { name: join.name.into(), protocol: join.protocol, token: None };
        ws.feed(Message::text(hello.encode())).await?;
        ws.send(Message::text(ClientFrame::join(join.room).encode())).await?;
        let mut protocol = None;
        loop {
            let text = next_text(&mut ws).await?;
            match ServerFrame::decode(text.as_str()) {
                Ok(ServerFrame::Welcome { protocol: spoken, .. }) => protocol = Some(spoken),
                Ok(ServerFrame::Joined { .. }) => {
                    let protocol = protocol.context("joined before welcome")?;
                    return Ok((ws, protocol));
                }
                Ok(ServerFrame::Error { code, message, .. }) => bail!("{}: {code:?} {message}", join.url),
                // Other frames, and those of later versions that this build
                // does not know, are not the answer.
                _ => {}
            }
        }
    };
    tokio::time::timeout(limit, attempt)
        .await
        .with_context(|| format!("{}: no joined within {limit:?}", join.url))?
}

/// The WebSocket to `join.url`, over a socket with `join.receive_buffer`.
async fn open(join: &Join<'_>) -> anyhow::Result<Ws> {
    let Some(size) = join.receive_buffer else {
        let (ws, _) =
            tokio_tungstenite::connect_async_with_config(join.url, Some(socket_config()), true).await?;
        return Ok(ws);
    };
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let request = join.url.into_client_request()?;
    let host = request.uri().host().context("no host in the URL")?;
    let port = request.uri().port_u16().unwrap_or(80);
    let address = tokio::net::lookup_host((host, port)).await?.next().context("the host has no address")?;
    let socket =
        if address.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // Set before connecting, so the window it offers is small from the start.
    socket.set_recv_buffer_size(size)?;
    let stream = socket.connect(address).await?;
    stream.set_nodelay(true)?;
    let (ws, _) = tokio_tungstenite::client_async_with_config(
        request,
        MaybeTlsStream::Plain(stream),
        Some(socket_config()),
    )
    .await?;
    Ok(ws)
}

/// The next text frame.
async fn next_text<S>(ws: &mut S) -> anyhow::Result<Utf8Bytes>
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    loop {
        match ws.next().await.context("connection closed")?? {
            Message::Text(text) => return Ok(text),
            Message::Close(frame) => bail!("closed by server: {frame:?}"),
            _ => {}
        }
    }
}

/// Who a reader is.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub client: usize,
    /// The publisher sending from this connection, whose acknowledgements and
    /// refusals arrive here.
    pub publisher: Option<usize>,
}

/// Reads one connection until `stop`, recording every message on `board`.
/// Ends early, counting a disconnect, when the connection ends.
pub async fn read<S>(mut ws: S, reader: Reader, board: Arc<Board>, stop: CancellationToken)
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    let mut step = board.current();
    loop {
        let item = tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            item = ws.next() => item,
        };
        match item {
            Some(Ok(Message::Text(text))) => {
                let at = Instant::now();
                if let Ok(frame) = ServerFrame::decode(text.as_str()) {
                    record(&frame, reader, &board, &mut step, at);
                }
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                board.disconnects.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Some(Ok(_)) => {}
        }
    }
}

fn record(frame: &ServerFrame<'_>, reader: Reader, board: &Board, step: &mut Arc<StepLog>, at: Instant) {
    match frame {
        ServerFrame::Message(message) => {
            let Some(stamp) = Stamp::parse(&message.text) else { return };
            if stamp.step != step.step {
                *step = board.current();
            }
            step.record_message(reader.client, &stamp, at);
            if let (Some(publisher), Some(_)) = (reader.publisher, &message.client_id) {
                if stamp.step == step.step {
                    step.record_ack(publisher);
                }
            }
        }
        ServerFrame::Error { code, client_id: Some(id), .. } => {
            let (Some(publisher), Some((step_id, seq))) = (reader.publisher, payload::parse_client_id(id))
            else {
                return;
            };
            if step_id != step.step {
                *step = board.current();
            }
            if step_id == step.step {
                step.record_refusal(publisher, seq, format!("{code:?}"));
            }
        }
        _ => {}
    }
}

/// Reads and drops everything until `stop` or the connection ends: an idle
/// client still reads what the server sends it (presence, pings), as a
/// browser would, so nothing piles up in the server for it.
pub async fn discard<S>(mut ws: S, stop: CancellationToken)
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            item = ws.next() => if !matches!(item, Some(Ok(_))) { return },
        }
    }
}

/// One publisher's part of a step.
pub struct Publish {
    pub publisher: usize,
    pub room: String,
    /// Random per publisher and run: the `client_id` prefix.
    pub prefix: u64,
    pub payload: usize,
    /// When the first message is due.
    pub first: Instant,
    /// No message is due at or after this.
    pub end: Instant,
    pub rate: f64,
}

/// Sends the step's messages, each when it is due (catching up at once when
/// late), and gives the sink back with the outcome.
pub async fn publish(mut sink: WsSink, plan: Publish, step: Arc<StepLog>) -> (WsSink, anyhow::Result<()>) {
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let count = (plan.end.saturating_duration_since(plan.first).as_secs_f64() * plan.rate).ceil() as u64;
    let mut outcome = Ok(());
    for seq in 0..count {
        let due = plan.first + period.mul_f64(seq as f64);
        if due >= plan.end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let stamp =
            Stamp { step: step.step, publisher: plan.publisher as u32, seq, due_us: clock::micros(due) };
        let frame = ClientFrame::Send {
            room: plan.room.as_str().into(),
            client_id: payload::client_id(plan.prefix, step.step, seq).into(),
            text: stamp.encode(plan.payload).into(),
        };
        match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::text(frame.encode()))).await {
            Ok(Ok(())) => step.record_sent(plan.publisher, seq + 1),
            Ok(Err(err)) => {
                outcome = Err(anyhow::Error::new(err).context(format!("publisher {} send", plan.publisher)));
                break;
            }
            Err(_) => {
                outcome = Err(anyhow::anyhow!(
                    "publisher {}: send not written within {SEND_TIMEOUT:?}",
                    plan.publisher
                ));
                break;
            }
        }
    }
    (sink, outcome)
}
