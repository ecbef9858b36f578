//! A stand-in for the vendors' servers: records every request and answers as told
//! (accepting, refusing with a vendor's code, or failing slowly).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode as AxumStatus, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// How the receiver answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Code 0 in every vendor's field names.
    Accept,
    /// HTTP 200 with this body (a vendor's refusal).
    Json(Value),
    /// This status after holding the request this long.
    SlowStatus(Duration, u16),
    /// [`Answer::Accept`] after holding the request this long.
    SlowAccept(Duration),
}

#[derive(Debug, Clone)]
pub struct Received {
    /// Path and query as sent.
    pub target: String,
    pub body: Value,
}

impl Received {
    pub fn query(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&format!("http://x{}", self.target)).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

#[derive(Clone)]
pub struct Shared {
    pub answer: Arc<Mutex<Answer>>,
    pub received: Arc<Mutex<Vec<Received>>>,
    /// A request is being held (slow answers).
    pub holding: Arc<AtomicBool>,
    pub requests: Arc<AtomicUsize>,
}

/// A stand-in for the vendors' servers on a free loopback port.
pub struct Receiver {
    pub base: String,
    pub shared: Shared,
}

impl Receiver {
    pub async fn start(answer: Answer) -> Receiver {
        let shared = Shared {
            answer: Arc::new(Mutex::new(answer)),
            received: Arc::default(),
            holding: Arc::default(),
            requests: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, shared }
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests have come (at most `within`); returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        while self.shared.requests.load(Ordering::SeqCst) < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} requests, got {:?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}

async fn receive(State(shared): State<Shared>, uri: Uri, body: Bytes) -> Response {
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared
        .received
        .lock()
        .unwrap()
        .push(Received { target, body });
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let mut answer = shared.answer.lock().unwrap().clone();
    if let Answer::SlowAccept(hold) = answer {
        tokio::time::sleep(hold).await;
        answer = Answer::Accept;
    }
    match answer {
        Answer::Accept | Answer::SlowAccept(_) => axum::Json(
            json!({"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success", "data": {}}),
        )
        .into_response(),
        Answer::Json(value) => axum::Json(value).into_response(),
        Answer::SlowStatus(hold, status) => {
            shared.holding.store(true, Ordering::SeqCst);
            tokio::time::sleep(hold).await;
            shared.holding.store(false, Ordering::SeqCst);
            (
                AxumStatus::from_u16(status).unwrap(),
                "upstream unavailable",
            )
                .into_response()
        }
    }
}
