//! The console's page: the account picker, the navigation, and the places
//! the panels and the answers of actions go. It holds no account data: the
//! script fetches each panel with the account's header.

use std::fmt::Write as _;

use super::html::esc;
use super::resources::RESOURCES;

/// Panels besides the resource tables: route and title.
const PANELS: &[(&str, &str)] = &[
    ("journal", "Requests"),
    ("webhooks", "Webhooks"),
    ("scenarios", "Scenarios"),
    ("account", "Account"),
];

pub fn page() -> String {
    let mut nav = String::new();
    let routes = RESOURCES
        .iter()
        .map(|r| (r.name, r.title))
        .chain(PANELS.iter().copied());
    for (route, title) in routes {
        let _ = write!(
            nav,
            "<li><a href=\"#/{0}\" data-nav=\"{0}\">{1}</a></li>",
            esc(route),
            esc(title)
        );
    }
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Console · mollie-sandbox</title>
<link rel="stylesheet" href="/_sandbox/console/console.css">
<script src="/_sandbox/console/console.js" defer></script>
</head>
<body>
<a class="skip" href="#panel">Skip to content</a>
<header>
<h1>mollie-sandbox <span>console</span></h1>
<div id="who" hidden>Account <code id="who-key"></code> <button type="button" id="switch">Change account</button></div>
</header>
<section id="login" aria-labelledby="h-login">
<h2 id="h-login">Open an account</h2>
<form id="key-form">
<label for="key">API key</label>
<div class="row"><input id="key" name="key" type="password" autocomplete="off" spellcheck="false" placeholder="test_…" required>
<button type="submit">Open</button></div>
<p class="muted">The key stays in this browser tab (session storage). It goes to the sandbox only in the
<code>Authorization</code> header, never in a URL.</p>
</form>
<div id="accounts">
<form id="admin-form" hidden>
<label for="admin">Admin token</label>
<div class="row"><input id="admin" type="password" autocomplete="off">
<button type="submit">List accounts</button></div>
<p class="muted">This sandbox has an admin token (<code>--admin-token</code>): it is needed to list accounts.</p>
</form>
<div id="accounts-list"></div>
</div>
</section>
<nav id="nav" aria-label="Console" hidden><ul>{nav}</ul></nav>
<div id="result" role="status" aria-live="polite"></div>
<main id="panel" tabindex="-1"></main>
<footer><p>Every button calls the sandbox's own API (<code>/_sandbox/…</code>); the answer shows the curl command to do the same from a test.
<a href="/_sandbox/metrics">Metrics</a></p></footer>
</body>
</html>
"##
    )
}
