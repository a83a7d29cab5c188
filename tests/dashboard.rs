//! The pages `dashboard` links lead to: the object, read-only, for the
//! account named by the Bearer header or a `key` parameter.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

fn page_json(html: &str) -> serde_json::Value {
    let start = html.find("<pre>").expect("a <pre>") + "<pre>".len();
    let end = html.find("</pre>").unwrap();
    let text = html[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn customer_dashboard_link_opens_with_the_bearer_key() {
    let sb = start().await;
    let api = sb.api();
    let c = api
        .customer(json!({"name": "<b>Jan</b> & co", "metadata": {"k": "v"}}))
        .await;
    let href = s(&c["_links"]["dashboard"]["href"]);
    let r = api.send(api.client.get(href).bearer_auth(&api.key)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.content_type(), Some("text/html; charset=utf-8"));
    assert!(
        r.text
            .contains(&format!("<h1>Customer {}</h1>", s(&c["id"]))),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("<b>Jan</b>"),
        "markup from the data is escaped"
    );
    let shown = page_json(&r.text);
    assert_eq!(shown["name"], "<b>Jan</b> & co");
    assert_eq!(shown["id"], c["id"]);
    assert_eq!(shown["metadata"], json!({"k": "v"}));
    assert!(shown["_links"].get("documentation").is_none());
}

#[tokio::test]
async fn payment_dashboard_link_opens_with_a_key_parameter() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let p = api.new_payment(&cst).await;
    let href = s(&p["_links"]["dashboard"]["href"]);
    // A browser sends no Authorization header.
    let r = read(
        http()
            .get(format!("{href}&key={}", api.key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("test mode"));
    let shown = page_json(&r.text);
    assert_eq!(shown["id"], p["id"]);
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["customerId"], cst.as_str());
    assert_eq!(shown["_links"]["checkout"], p["_links"]["checkout"]);
}

#[tokio::test]
async fn dashboard_shows_objects_to_their_own_account_only() {
    let sb = start().await;
    let owner = sb.api();
    let c = owner.customer(json!({})).await;
    let cst = s(&c["id"]).to_owned();
    let url = s(&c["_links"]["dashboard"]["href"]).to_owned();
    let bare_url = format!("{}/_sandbox/dashboard/customers/{cst}", sb.url);
    assert!(url.starts_with(&format!("{bare_url}?account=")), "{url}");
    // A browser following the link sends no key: the link names its account.
    let r = read(http().get(&url).send().await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(page_json(&r.text)["id"], cst.as_str());
    // Without its token, the link names no account.
    let r = read(http().get(&bare_url).send().await.unwrap()).await;
    r.assert_error(404, &format!("No customer exists with token {cst}."), None);
    let p = owner.new_payment(&cst).await;
    let r = read(
        http()
            .get(s(&p["_links"]["dashboard"]["href"]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(page_json(&r.text)["customerId"], cst.as_str());
    let r = read(
        http()
            .get(format!(
                "{}/_sandbox/dashboard/customers/cst_nobody",
                sb.url
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(404, "No customer exists with token cst_nobody.", None);
    let r = read(
        http()
            .get(format!("{url}&key=nonsense"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(
        401,
        "Missing authentication, or failed to authenticate",
        None,
    );
    // Another account (one that exists, and one that never called) does not see it.
    let other = sb.api();
    other.customer_id().await;
    for key in [other.key.clone(), test_key()] {
        let r = read(
            http()
                .get(format!("{bare_url}?key={key}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.assert_error(404, &format!("No customer exists with token {cst}."), None);
    }
    let r = owner.get("/_sandbox/dashboard/payments/tr_nope").await;
    r.assert_error(404, "No payment exists with token tr_nope.", None);
    let r = owner
        .get(&format!("/_sandbox/dashboard/customers/{cst}?foo=1"))
        .await;
    r.assert_error(
        422,
        "Non-existent query parameter \"foo\" for this API call.",
        Some("foo"),
    );
    let r = owner
        .send(owner.request(
            Method::POST,
            &format!("/_sandbox/dashboard/customers/{cst}"),
        ))
        .await;
    r.assert_error(
        405,
        "The requested method is not allowed for this endpoint.",
        None,
    );
    assert_eq!(r.header("allow"), Some("GET"));
    // A deleted customer's page answers as the API does.
    assert_eq!(
        owner.delete(&format!("/v2/customers/{cst}")).await.status,
        204
    );
    let r = owner
        .get(&format!("/_sandbox/dashboard/customers/{cst}"))
        .await;
    r.assert_error(410, "The customer has been deleted.", None);
}

#[tokio::test]
async fn access_token_test_mode_dashboard() {
    let sb = start().await;
    let api = sb.api_with(&access_token());
    let c = api.customer(json!({"testmode": true})).await;
    let href = s(&c["_links"]["dashboard"]["href"]);
    assert!(
        !href.contains("testmode"),
        "page links carry no testmode: {href}"
    );
    let r = api
        .send(
            api.client
                .get(format!("{href}&testmode=true"))
                .bearer_auth(&api.key),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(page_json(&r.text)["mode"], "test");
    let r = api.send(api.client.get(href).bearer_auth(&api.key)).await;
    assert_eq!(r.status, 404, "live mode of the token has no such customer");
    // Without a key, the link's own account token is the test-mode account.
    let r = read(http().get(href).send().await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(page_json(&r.text)["mode"], "test");
}
