//! P6 (shared/docs/targets.md): parse of a LogonSession with 70 links into typed structs,
//! divided by a bare quick-xml event scan of the same bytes. Target: ratio ≤ 3.
//!
//! `cargo bench -p restpoint-em --bench parse` prints `P6 ratio: X.XX` at the end.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use quick_xml::Reader;
use quick_xml::events::Event;
use restpoint_em::{LogonSession, parse_xml};

const DOCUMENT: &[u8] = include_bytes!("../../../specs/em/examples/logon-session-contoso.xml");

/// The baseline: every event of the document read, nothing built.
fn scan(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut buffer = Vec::with_capacity(256);
    let mut n_events = 0;
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Eof) => break,
            Ok(event) => {
                if let Event::Start(start) | Event::Empty(start) = &event {
                    for attribute in start.attributes() {
                        black_box(attribute.ok());
                    }
                }
                n_events += 1;
            }
            Err(_) => break,
        }
        buffer.clear();
    }
    n_events
}

/// The generated reader alone: no size/root/namespace checks, no error-path tracking.
fn generated_only(bytes: &[u8]) -> LogonSession {
    use xsd_parser_types::quick_xml::{DeserializeSync, SliceReader};
    let text = std::str::from_utf8(bytes).unwrap();
    LogonSession::deserialize(&mut SliceReader::new(text)).unwrap()
}

/// With error-path tracking (`with_error_info`).
fn generated_with_error_info(bytes: &[u8]) -> LogonSession {
    use xsd_parser_types::quick_xml::{DeserializeSync, SliceReader, XmlReader};
    let text = std::str::from_utf8(bytes).unwrap();
    LogonSession::deserialize(&mut SliceReader::new(text).with_error_info()).unwrap()
}

/// A bare event scan through the namespace-aware reader the generated code uses.
fn ns_scan(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::NsReader::from_reader(bytes);
    let mut n_events = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => n_events += 1,
        }
    }
    n_events
}

fn typed(bytes: &[u8]) -> LogonSession {
    parse_xml::<LogonSession>(bytes).expect("the example parses")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("logon_session_70_links");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("quick_xml_scan", |b| b.iter(|| scan(black_box(DOCUMENT))));
    group.bench_function("typed_parse", |b| b.iter(|| typed(black_box(DOCUMENT))));
    group.bench_function("ns_scan", |b| b.iter(|| ns_scan(black_box(DOCUMENT))));
    group.bench_function("generated_only", |b| {
        b.iter(|| generated_only(black_box(DOCUMENT)))
    });
    group.bench_function("generated_with_error_info", |b| {
        b.iter(|| generated_with_error_info(black_box(DOCUMENT)))
    });
    group.finish();
}

/// Median time per call over `rounds` rounds of `iterations` calls.
fn median_per_call(rounds: usize, iterations: u32, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed() / iterations
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn print_ratio() {
    // Rounds of the two alternate, so that load from other processes hits both alike.
    let mut scan_times = Vec::new();
    let mut typed_times = Vec::new();
    let mut generated_times = Vec::new();
    for _ in 0..41 {
        generated_times.push(median_per_call(1, 300, || {
            black_box(generated_only(black_box(DOCUMENT)));
        }));
        scan_times.push(median_per_call(1, 300, || {
            black_box(scan(black_box(DOCUMENT)));
        }));
        typed_times.push(median_per_call(1, 300, || {
            black_box(typed(black_box(DOCUMENT)));
        }));
    }
    scan_times.sort();
    typed_times.sort();
    generated_times.sort();
    println!(
        "breakdown: generated reader through xsd-parser-types' SliceReader, no checks: {:?}",
        generated_times[generated_times.len() / 2]
    );
    let scan_time = scan_times[scan_times.len() / 2];
    let typed_time = typed_times[typed_times.len() / 2];
    let ratio = typed_time.as_secs_f64() / scan_time.as_secs_f64();
    println!(
        "P6: typed parse {typed_time:?} / quick-xml scan {scan_time:?} per document ({} bytes, {} links)",
        DOCUMENT.len(),
        restpoint_em::HasLinks::links(&typed(DOCUMENT)).len()
    );
    println!("P6 ratio: {ratio:.2} (target <= 3)");
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratio();
}
