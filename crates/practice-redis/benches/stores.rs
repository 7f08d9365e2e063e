//! What sharing costs: one budget reservation and one token read through Redis (a local
//! `redis-server` on loopback, started here) against the in-process stores, side by side.
//! A reservation and its release are one round trip to Redis each, running one Lua script.

#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use practice_core::quota::{Reservation, SlotRequest};
use practice_core::{
    InMemoryQuotaStore, InMemoryTokenStore, QuotaStore, RateLimit, Secret, Token, TokenStore,
};
use practice_redis::RedisStore;
use redis_server::RedisServer;

fn stores(c: &mut Criterion) {
    if !RedisServer::installed() {
        eprintln!("the stores bench needs redis-server on PATH; it did not run");
        return;
    }
    let redis = RedisServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let shared = RedisStore::builder(redis.url()).build().unwrap();
    let local_quota = InMemoryQuotaStore::new();
    let local_tokens = InMemoryTokenStore::new();
    // An ample budget: every reservation is granted at once, as in steady state. Each is
    // released at once, as an answer would, so the count stays small.
    let limit = RateLimit::new(u32::MAX, Duration::from_secs(1));
    let token = Token::valid_for(Secret::new("bench-token"), Duration::from_secs(3600));
    runtime.block_on(async {
        shared.put("bench:user", token.clone()).await.unwrap();
        local_tokens.put("bench:user", token).await.unwrap();
    });

    let ask = SlotRequest {
        max_wait: Duration::ZERO,
        lapse_after: Duration::from_secs(1),
    };
    let mut group = c.benchmark_group("reserve-release");
    group.bench_function("in-memory", |b| {
        b.to_async(&runtime).iter(|| async {
            if let Reservation::Granted { slot: Some(slot) } = local_quota
                .reserve("bench:user", Some(&limit), ask)
                .await
                .unwrap()
            {
                local_quota
                    .release("bench:user", black_box(slot))
                    .await
                    .unwrap();
            }
        })
    });
    group.bench_function("redis", |b| {
        b.to_async(&runtime).iter(|| async {
            if let Reservation::Granted { slot: Some(slot) } = shared
                .reserve("bench:user", Some(&limit), ask)
                .await
                .unwrap()
            {
                shared.release("bench:user", black_box(slot)).await.unwrap();
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("token-get");
    group.bench_function("in-memory", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(local_tokens.get("bench:user").await.unwrap()) })
    });
    group.bench_function("redis", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(shared.get("bench:user").await.unwrap()) })
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    stores(&mut criterion);
    criterion.final_summary();
}
