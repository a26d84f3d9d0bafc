//! Memory of the loaded list: 1M demo wallets (UUID, balance, currency, updated_at: the
//! shape `seed` writes) converted from SDK items on another thread, page by page, as the
//! worker does, and loaded into a `WalletList` as the app does. Reports the process RSS
//! growth per wallet, what the heap holds, and the sizes of the types.
//! Run: `cargo bench --bench memory` (`-- --wallets N` to change the size).

use std::sync::mpsc;

use wallet_tui::demo::{SmallRng, demo_wallet};
use wallet_tui::list::WalletList;
use wallet_tui::wallet::Wallet;
use wallet_tui::worker::item::wallet_from_item;

fn rss_bytes() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    pages * 4096.0
}

/// Bytes the allocator has handed out and not taken back.
fn heap_in_use() -> f64 {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks + info.hblkhd) as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--wallets")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (rss0, heap0) = (rss_bytes(), heap_in_use());
    let (pages, received) = mpsc::sync_channel::<Vec<Wallet>>(4);
    let converter = std::thread::spawn(move || {
        let mut rng = SmallRng::new(7);
        let mut left = n;
        while left > 0 {
            let size = left.min(1000);
            let items: Vec<_> = (0..size).map(|_| demo_wallet(&mut rng)).collect();
            let page: Vec<Wallet> = items.iter().filter_map(wallet_from_item).collect();
            left -= size;
            if pages.send(page).is_err() {
                return;
            }
        }
    });
    let mut list = WalletList::new();
    list.reserve(n);
    for page in received {
        list.extend(page);
    }
    converter.join().expect("converter");
    list.settle();
    let (rss, heap) = (rss_bytes() - rss0, heap_in_use() - heap0);
    println!(
        "{} wallets loaded: RSS +{:.1} MB ({:.0} bytes per wallet), heap in use +{:.1} MB \
         ({:.0} bytes per wallet); size_of Wallet {} B, process RSS {:.1} MB",
        list.loaded(),
        rss / 1e6,
        rss / n as f64,
        heap / 1e6,
        heap / n as f64,
        std::mem::size_of::<Wallet>(),
        rss_bytes() / 1e6,
    );
}
