//! The client side of `/_sandbox/health`, for `mollie-sandbox healthcheck`.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The health endpoint's path.
pub const PATH: &str = "/_sandbox/health";

/// The URL to probe for what the user gave: a base URL (`http://mollie:8080`,
/// with or without the `/v2` a client is configured with) means its health
/// endpoint; any other path is probed as given.
pub fn health_url(given: &str) -> Result<hyper::Uri, String> {
    let uri: hyper::Uri = given
        .trim()
        .parse()
        .map_err(|e| format!("bad URL {given}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!(
            "{given}: only http:// URLs can be probed (the sandbox's HTTP port)"
        ));
    }
    let Some(authority) = uri.authority() else {
        return Err(format!("bad URL {given}: no host"));
    };
    let path = uri.path().trim_end_matches('/');
    if !matches!(path, "" | "/v2") {
        return Ok(uri);
    }
    format!("http://{authority}{PATH}")
        .parse()
        .map_err(|e| format!("bad URL {given}: {e}"))
}

pub async fn probe(given: &str) -> Result<(), String> {
    let uri = health_url(given)?;
    let url = uri.to_string();
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = client.get(uri).await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let ok = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(|s| s == "ok"))
        .unwrap_or(false);
    if status.is_success() && ok {
        Ok(())
    } else if !url.ends_with(PATH) {
        Err(format!(
            "{url} answered {status}; it is not the health endpoint: give the base URL \
             (http://HOST:PORT) or its {PATH}"
        ))
    } else {
        Err(format!("{url} answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_mean_their_health_endpoint() {
        for given in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/v2",
            "http://127.0.0.1:8080/v2/",
            "http://127.0.0.1:8080/_sandbox/health",
        ] {
            assert_eq!(
                health_url(given).unwrap().to_string(),
                "http://127.0.0.1:8080/_sandbox/health",
                "{given}"
            );
        }
        assert_eq!(
            health_url("http://mollie:8080/v2/customers")
                .unwrap()
                .to_string(),
            "http://mollie:8080/v2/customers"
        );
        assert!(health_url("https://127.0.0.1:8443").is_err());
        assert!(health_url("not a url").is_err());
        assert!(health_url("/_sandbox/health").is_err());
    }
}
