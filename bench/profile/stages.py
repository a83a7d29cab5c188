#!/usr/bin/env python3
"""Share of a server's CPU by pipeline stage, from `perf script` output.

Each sample is charged to the first frame, walking from the leaf toward the
root, that names a stage; samples that reach no stage frame are charged by
their leaf (the kernel's network path, the runtime's waiting and waking).

    perf record -F 2000 -g -p PID -o get.data -- sleep 6
    perf script -i get.data | python3 bench/profile/stages.py
"""
import re
import sys

# (stage, pattern on a frame's symbol), tried in order for each frame.
STAGES = [
    ("journal", r"mollie_sandbox::journal::"),
    ("metrics", r"mollie_sandbox::metrics::"),
    ("scenario check", r"mollie_sandbox::scenario::"),
    ("idempotency", r"mollie_sandbox::idempotency::"),
    ("auth", r"mollie_sandbox::auth::"),
    ("account lookup", r"mollie_sandbox::store::registry::|Registry>::get|Account>::touch"),
    ("render", r"mollie_sandbox::views::|render_one|::render_page|mollie_sandbox::http::response::"),
    ("decode body and query", r"mollie_sandbox::http::request::|app::read_body|app::read_all"),
    ("handler", r"mollie_sandbox::api::|mollie_sandbox::store::|mollie_sandbox::lifecycle|mollie_sandbox::validate|mollie_sandbox::ids|mollie_sandbox::webhooks|mollie_sandbox::scheduler::|mollie_sandbox::after_sales::"),
    ("pipeline (the rest of app::handle)", r"mollie_sandbox::app::"),
    ("hyper's connection state machine", r"hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_catch$|hyper::proto::h1::conn::|hyper::proto::h1::dispatch::Server"),
    ("connection task (server.rs)", r"mollie_sandbox::server::|mollie_sandbox::http::parse_errors|bare_hyper_baseline"),
    ("write the response (hyper encode, send)", r"poll_write|Http1Transaction>::encode|__send|poll_flush|writev"),
    ("read and parse the request (hyper)", r"Buffered<T,B>::parse|Http1Transaction>::parse|__libc_recv|poll_read|recvfrom"),
    ("wait and wake (epoll, scheduler, timers)", r"epoll_wait|park|finish_task_switch|schedule|tokio::runtime|futex|tokio::time|wake"),
    ("accept", r"accept"),
]
COMPILED = [(name, re.compile(p)) for name, p in STAGES]


def samples(lines):
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            if frames:
                yield frames
            frames = []
        elif line.startswith((" ", "\t")):
            parts = line.strip().split(None, 1)
            symbol = parts[1] if len(parts) > 1 else parts[0]
            frames.append(re.sub(r"(\+0x[0-9a-f]+)? \(.*\)$", "", symbol))
        else:
            frames = []
    if frames:
        yield frames


# Work the background loop does (a refund's steps, expiries), whatever it
# calls: matched on the whole stack before the walk from the leaf, which
# would charge it to the handler's functions it shares with requests.
BACKGROUND = ("background events (scheduler::run)", re.compile(r"mollie_sandbox::scheduler::run(_due)?\b"))


def stage(frames):
    if any(BACKGROUND[1].search(f) for f in frames):
        return BACKGROUND[0]
    for f in frames:
        for name, pat in COMPILED:
            if pat.search(f):
                return name
    return "other (hyper and the kernel outside the above)"


def main():
    counts = {}
    total = 0
    for frames in samples(sys.stdin):
        s = stage(frames)
        counts[s] = counts.get(s, 0) + 1
        total += 1
    order = [n for n, _ in STAGES] + [BACKGROUND[0], "other (hyper and the kernel outside the above)"]
    print("| stage | share of server CPU |")
    print("| --- | --- |")
    for name in order:
        if name in counts:
            print(f"| {name} | {100.0 * counts[name] / total:.1f}% |")
    print(f"\n{total} samples")


if __name__ == "__main__":
    main()
