//! Many practices on one Redis: each account's view of one `RedisStore` keeps its own token
//! and its own budget, even when two practices use the same credential identity.

mod support;

use std::time::Duration;

use practice_core::quota::{RateLimit, Reservation, SlotRequest};
use practice_core::{QuotaStore, Secret, Token, TokenStore};
use practice_redis::RedisStore;
use support::redis_server::RedisServer;

/// The same `<vendor>:<credential>` key for both practices, as two sandboxes give.
const KEY: &str = "aloha:sandbox-client";

fn ask() -> SlotRequest {
    SlotRequest {
        max_wait: Duration::ZERO,
        lapse_after: Duration::from_secs(30),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn two_accounts_with_one_credential_identity_share_neither_token_nor_budget() {
    let server = RedisServer::start();
    let store = RedisStore::builder(server.url()).build().unwrap();
    let (north, smile) = (store.for_account("north"), store.for_account("smile"));

    north
        .put(
            KEY,
            Token::valid_for(Secret::new("north-token"), Duration::from_secs(600)),
        )
        .await
        .unwrap();
    let seen = north.get(KEY).await.unwrap().expect("north's token");
    assert_eq!(seen.access().expose(), "north-token");
    assert!(
        smile.get(KEY).await.unwrap().is_none(),
        "smile sees north's token"
    );
    // Nor does the store without an account.
    assert!(store.get(KEY).await.unwrap().is_none());

    // North spends its whole budget of 2; smile still has all of its own.
    let limit = RateLimit::new(2, Duration::from_secs(60));
    for _ in 0..2 {
        let granted = north.reserve(KEY, Some(&limit), ask()).await.unwrap();
        assert!(
            matches!(granted, Reservation::Granted { slot: Some(_) }),
            "{granted:?}"
        );
    }
    let denied = north.reserve(KEY, Some(&limit), ask()).await.unwrap();
    assert!(matches!(denied, Reservation::Denied { .. }), "{denied:?}");
    let other = smile.reserve(KEY, Some(&limit), ask()).await.unwrap();
    assert!(
        matches!(other, Reservation::Granted { slot: Some(_) }),
        "{other:?}"
    );
    assert_eq!(north.status(KEY, &limit).await.unwrap().remaining, 0);
    assert_eq!(smile.status(KEY, &limit).await.unwrap().remaining, 1);

    // The keys carry the account's name (and no secret).
    let keys = server.query(&["KEYS", "*"]).unwrap_or_default();
    assert!(
        keys.contains("practice:account:north:aloha:sandbox-client:token"),
        "{keys}"
    );
    assert!(
        keys.contains("practice:account:smile:aloha:sandbox-client:quota"),
        "{keys}"
    );
    assert!(!keys.contains("north-token"), "{keys}");
}
