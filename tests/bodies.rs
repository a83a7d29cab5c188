//! Request bodies: forms with bracket keys, JSON, the content-type rules,
//! malformed and oversized bodies, and what the official clients send.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn form_bodies_create_customers() {
    let sb = start().await;
    let api = sb.api();
    let r = api.post_form("/v2/customers", "name=Jan%20de%20Vries&email=jan%40example.org&locale=nl_NL&metadata=%7B%22b%22%3A1%2C%22a%22%3A%22x%22%7D").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["name"], "Jan de Vries");
    assert_eq!(r.json["email"], "jan@example.org");
    assert_eq!(r.json["locale"], "nl_NL");
    // metadata sent as a JSON string in a form comes back as the JSON it holds.
    assert_eq!(r.json["metadata"], json!({"b": 1, "a": "x"}));
    assert_eq!(keys(&r.json["metadata"]), ["b", "a"]);
    // A metadata string that is not JSON stays a string.
    let r = api.post_form("/v2/customers", "metadata=plain+text").await;
    assert_eq!(r.json["metadata"], "plain text");
    // Bracketed metadata builds an object.
    let r = api
        .post_form(
            "/v2/customers",
            "metadata[order]=12&metadata[tags][]=a&metadata[tags][]=b",
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["metadata"],
        json!({"order": "12", "tags": ["a", "b"]})
    );
}

#[tokio::test]
async fn form_without_a_content_type_is_a_form() {
    let sb = start().await;
    let api = sb.api();
    let r = api
        .send(
            api.request(Method::POST, "/v2/customers")
                .body("name=NoType"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["name"], "NoType");
}

#[tokio::test]
async fn form_bodies_create_payments_as_the_docs_curl_does() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let form = "amount[currency]=EUR&amount[value]=10.00&description=Order%20%2312345&redirectUrl=https%3A%2F%2Fwebshop.example.org%2Forder%2F12345%2F&webhookUrl=https%3A%2F%2Fwebshop.example.org%2Fpayments%2Fwebhook%2F&metadata=%7B%22order_id%22%3A%2212345%22%7D&sequenceType=first&method[]=ideal&method[]=creditcard&locale=nl_NL";
    let r = api
        .post_form(&format!("/v2/customers/{cst}/payments"), form)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let p = &r.json;
    assert_eq!(p["amount"], json!({"value": "10.00", "currency": "EUR"}));
    assert_eq!(
        keys(&p["amount"]),
        ["value", "currency"],
        "value first whatever order it came in"
    );
    assert_eq!(p["description"], "Order #12345");
    assert_eq!(p["redirectUrl"], "https://webshop.example.org/order/12345/");
    assert_eq!(
        p["webhookUrl"],
        "https://webshop.example.org/payments/webhook/"
    );
    assert_eq!(p["metadata"], json!({"order_id": "12345"}));
    assert_eq!(p["sequenceType"], "first");
    assert!(p["method"].is_null());
    assert_eq!(p["locale"], "nl_NL");
    let r = api
        .post_form(
            &format!("/v2/customers/{cst}/payments"),
            "amount[currency]=EUR&amount[value]=10.0&description=x&redirectUrl=https%3A%2F%2Fx.org",
        )
        .await;
    r.assert_error(
        422,
        "The amount contains an invalid value",
        Some("amount.value"),
    );
    let r = api.post_form(&format!("/v2/customers/{cst}/payments"), "amount[currency]=EUR&amount[value]=10.00&description=x&redirectUrl=https%3A%2F%2Fx.org&bogus=1").await;
    r.assert_error(
        422,
        "Non-existent body parameter \"bogus\" for this API call.",
        Some("bogus"),
    );
}

#[tokio::test]
async fn malformed_forms_are_400() {
    let sb = start().await;
    let api = sb.api();
    for form in ["[x]=1", "name=a&name[b]=c", "method[]=a&method[x]=b"] {
        let r = api.post_form("/v2/customers", form).await;
        assert_eq!(r.status, 400, "{form}: {}", r.text);
        assert_eq!(r.json["title"], "Bad Request");
    }
}

#[tokio::test]
async fn json_bodies_with_a_charset_are_json() {
    let sb = start().await;
    let api = sb.api();
    let r = api
        .send(
            api.request(Method::POST, "/v2/customers")
                .header("content-type", "application/json; charset=utf-8")
                .body(r#"{"name":"Ünïcode ✓"}"#),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["name"], "Ünïcode ✓");
}

#[tokio::test]
async fn json_without_the_json_content_type_is_400() {
    let sb = start().await;
    let api = sb.api();
    let exact = r#"{"status":400,"title":"Bad Request","detail":"Expected URL encoded form data, got JSON. Set the \"Content-Type\" header to \"application/json\" when sending JSON encoded data.","_links":{"documentation":{"href":"https://docs.mollie.com/overview/handling-errors","type":"text/html"}}}"#;
    for content_type in [None, Some("application/x-www-form-urlencoded")] {
        let mut rb = api
            .request(Method::POST, "/v2/customers")
            .body(r#"{"name":"x"}"#);
        if let Some(ct) = content_type {
            rb = rb.header("content-type", ct);
        }
        let r = api.send(rb).await;
        assert_eq!(r.status, 400, "{content_type:?}");
        assert_eq!(r.content_type(), Some("application/hal+json"));
        assert_eq!(r.text, exact);
    }
    assert_eq!(api.get("/v2/customers").await.json["count"], 0);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let sb = start().await;
    let api = sb.api();
    for body in [
        r#"{"name":"#,
        r#"{"name" "x"}"#,
        "{,}",
        r#"{"a":1}}"#,
        "nul",
    ] {
        let r = api
            .send(
                api.request(Method::POST, "/v2/customers")
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(keys(&r.json), ["status", "title", "detail", "_links"]);
        assert_eq!(r.json["title"], "Bad Request");
    }
    for body in ["[1,2]", "\"str\"", "12"] {
        let r = api
            .send(
                api.request(Method::POST, "/v2/customers")
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await;
        r.assert_error(400, "The request body must be a JSON object.", None);
    }
}

#[tokio::test]
async fn other_content_types_are_415() {
    let sb = start().await;
    let api = sb.api();
    let r = api
        .send(
            api.request(Method::POST, "/v2/customers")
                .header("content-type", "text/xml")
                .body("<customer/>"),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text);
    assert_eq!(r.json["title"], "Unsupported Media Type");
}

#[tokio::test]
async fn a_body_over_1_mib_is_413() {
    let sb = start().await;
    let api = sb.api();
    let name = "x".repeat(1024 * 1024);
    let r = api.post("/v2/customers", &json!({ "name": name })).await;
    r.assert_error(
        413,
        "The request body is too large. It may be up to 1 MiB.",
        None,
    );
    // Exactly 1 MiB is fine.
    let overhead = r#"{"name":""}"#.len();
    let name = "y".repeat(1024 * 1024 - overhead);
    let r = api.post("/v2/customers", &json!({ "name": name })).await;
    assert_eq!(r.status, 201);
    assert_eq!(api.get("/v2/customers").await.json["count"], 1);
}

#[tokio::test]
async fn a_chunked_body_over_1_mib_is_413() {
    let sb = start().await;
    let key = test_key();
    let stream = tokio::net::TcpStream::connect(sb.server.addr)
        .await
        .unwrap();
    let (mut rd, mut wr) = stream.into_split();
    // Write in the background: the server may stop reading once the limit is passed.
    let writer = tokio::spawn(async move {
        let head = format!("POST /v2/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        wr.write_all(head.as_bytes()).await?;
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..17 {
            wr.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            wr.write_all(&chunk).await?;
            wr.write_all(b"\r\n").await?;
        }
        wr.write_all(b"0\r\n\r\n").await?;
        Ok::<_, std::io::Error>(wr)
    });
    let mut out = Vec::new();
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(10), rd.read_to_end(&mut out)).await;
    let _ = writer.await;
    let resp = String::from_utf8_lossy(&out);
    assert!(resp.starts_with("HTTP/1.1 413 "), "{resp}");
    assert!(
        resp.contains(r#""detail":"The request body is too large. It may be up to 1 MiB.""#),
        "{resp}"
    );
}

#[tokio::test]
async fn a_content_type_on_a_get_is_accepted() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    for ct in [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
    ] {
        let r = api
            .send(
                api.request(Method::GET, &format!("/v2/customers/{cst}"))
                    .header("content-type", ct),
            )
            .await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text);
        let r = api
            .send(
                api.request(Method::GET, "/v2/customers")
                    .header("content-type", ct),
            )
            .await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text);
    }
}

#[tokio::test]
async fn an_empty_json_object_on_delete_is_accepted() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let r = api
        .send(
            api.request(Method::DELETE, &format!("/v2/customers/{cst}"))
                .json(&json!({})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(r.text, "");
    let cst = api.customer_id().await;
    let r = api
        .send(
            api.request(Method::DELETE, &format!("/v2/customers/{cst}"))
                .header("content-type", "application/json"),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

/// Raw HTTP/1.1 over a socket, for what a high-level client will not send.
async fn raw(sb: &Sandbox, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(sb.server.addr)
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut out),
    )
    .await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_declared_length_over_1_mib_is_answered_before_the_body() {
    let sb = start().await;
    let key = test_key();
    let req = format!(
        "POST /v2/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n{{\"name\":"
    );
    let resp = raw(&sb, req.as_bytes()).await;
    assert!(resp.starts_with("HTTP/1.1 413 "), "{resp}");
    assert!(
        resp.contains(r#""detail":"The request body is too large. It may be up to 1 MiB.""#),
        "{resp}"
    );
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let sb = start().await;
    let key = test_key();
    let one =
        format!("GET /v2/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n");
    let last = format!("GET /v2/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n");
    let resp = raw(&sb, format!("{one}{one}{last}").as_bytes()).await;
    assert_eq!(resp.matches("HTTP/1.1 200 OK").count(), 3, "{resp}");
}

#[tokio::test]
async fn garbage_on_the_wire_gets_an_answer_or_a_clean_close() {
    let sb = start().await;
    let resp = raw(&sb, b"THIS IS NOT HTTP\r\n\r\n").await;
    assert!(
        resp.is_empty() || resp.starts_with("HTTP/1.1 400"),
        "{resp}"
    );
    // The server still serves afterwards.
    assert_eq!(sb.api().get("/v2/customers").await.status, 200);
}
