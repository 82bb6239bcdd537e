//! Micro-benchmarks of the matcher: the combined prefilter alone, and the
//! whole of `DetectorSet::find` (prefilter, anchored regexes, gates) with
//! the full built-in detector set, on inputs that stand for what a
//! workspace holds. Run with `cargo bench --bench matcher`.

use blastradius::detectors::DetectorSet;
use criterion::{black_box, criterion_main, BenchmarkId, Criterion, Throughput};

/// Real source code without secrets: this crate's own sources.
fn source_code() -> Vec<u8> {
    let mut out = Vec::new();
    for text in [
        include_str!("../src/scan.rs"),
        include_str!("../src/detectors/mod.rs"),
        include_str!("../src/providers/railway.rs"),
        include_str!("../src/report/table.rs"),
        include_str!("../src/config.rs"),
    ] {
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// A `.env`-style file dense with keywords (token, key, password,
/// secret…) and placeholder values, the worst case for the prefilter.
fn keyword_dense() -> Vec<u8> {
    let mut out = String::new();
    for i in 0..2000 {
        out.push_str(&format!(
            "API_TOKEN_{i}=changeme\nDB_PASSWORD_{i}=${{PASSWORD}}\nSECRET_KEY_{i}=\"<your-secret-key>\"\nauth_bearer_{i}: xxxxxxxx\n"
        ));
    }
    out.into_bytes()
}

/// Every positive example of every built-in detector, one per line: the
/// regexes and gates at work.
fn examples(set: &DetectorSet) -> Vec<u8> {
    let mut out = String::new();
    for d in set.detectors() {
        for e in &d.examples {
            out.push_str(e);
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// One long line of minified JavaScript-like text (a pseudo-random mix of
/// identifiers and punctuation).
fn minified(len: usize) -> Vec<u8> {
    let words: &[&[u8]] = &[
        b"function",
        b"return",
        b"var ",
        b"this.",
        b"token",
        b"=>",
        b"{",
        b"}",
        b"(",
        b")",
        b"key",
        b"a.b",
        b"0x1f",
        b";",
        b",",
        b"\"use strict\"",
        b"exports.",
        b"require(",
    ];
    let mut out = Vec::with_capacity(len + 16);
    let mut n: u32 = 7;
    while out.len() < len {
        n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        out.extend_from_slice(words[(n >> 16) as usize % words.len()]);
    }
    out
}

fn matcher(c: &mut Criterion) {
    let set = DetectorSet::builtin().expect("built-in detectors load");
    let inputs: Vec<(&str, &str, Vec<u8>)> = vec![
        ("source-code", "src/lib.rs", source_code()),
        ("keyword-dense-env", ".env", keyword_dense()),
        ("detector-examples", "config/secrets.txt", examples(&set)),
        ("minified-1MiB", "dist/app.min.js", minified(1 << 20)),
    ];
    let mut group = c.benchmark_group("find");
    for (name, path, data) in &inputs {
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), data, |b, data| {
            let mut out = Vec::new();
            b.iter(|| {
                out.clear();
                set.find(path, black_box(data), &mut out);
                out.len()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("prefilter");
    for (name, _, data) in &inputs {
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), data, |b, data| {
            b.iter(|| set.prefilter_hits(black_box(data)))
        });
    }
    group.finish();

    c.bench_function("load-builtin-detectors", |b| {
        b.iter(|| DetectorSet::builtin().expect("built-in detectors load"))
    });
}

// The macro generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::matcher);
}
use group::benches;
criterion_main!(benches);
