//! The binary's global allocator: mimalloc, asked through its plain entry
//! points whenever the layout allows.
//!
//! The `mimalloc` crate's allocator asks for an aligned block on every
//! allocation, whatever the alignment; that path tests the alignment and
//! the free block's address first, and falls back to a slower generic path
//! more often (about 80 instructions a small block against about 35, and
//! 230 against 130 a large one, by callgrind). Every block `mi_malloc`
//! returns is aligned to the word (its size classes are whole words and its
//! pages start aligned to 16 bytes), so layouts aligned to 8 or less, nearly
//! all of Rust's, take the plain calls; larger alignments keep the aligned
//! ones.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every block of `mi_malloc` has.
const WORD: usize = std::mem::size_of::<usize>();

pub struct MiMalloc;

// SAFETY: each method forwards to mimalloc, which returns blocks of at least
// the size asked for, aligned as asked (by the aligned calls) or to the word
// (by the plain ones, used only when the layout asks no more), or null;
// `mi_free` and the reallocations accept any block either kind returned.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the block
        // moved or grown keeps the alignment asked.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every size class up to the large ones, at every alignment,
    /// come back aligned, writable, and keep their bytes when grown.
    #[test]
    fn blocks_are_aligned_as_asked_and_survive_reallocation() {
        let a = MiMalloc;
        let mut sizes: Vec<usize> = (1..=1100).collect();
        sizes.extend([2048, 4096, 8192, 65_536, 1 << 20, (1 << 22) + 3]);
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for &size in &sizes {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes, valid layouts, each block freed once.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xA5, size);
                    let grown = a.realloc(p, layout, size * 2 + 1);
                    assert_eq!(grown as usize % align, 0, "grown {size} align {align}");
                    assert!((0..size).all(|i| *grown.add(i) == 0xA5));
                    a.dealloc(grown, Layout::from_size_align(size * 2 + 1, align).unwrap());
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
