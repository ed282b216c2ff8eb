//! `hash-prompts` chain hashing (`docs/synthesis.md` §5) with token ids given directly (the
//! stub-tokenizer example of the spec and its properties).

use trace_core::hash_prompts::PromptHasher;
use trace_core::ErrorCode;

fn hash(bs: u32, rows: &[&[u32]]) -> Vec<Vec<u32>> {
    let mut h = PromptHasher::new(bs).unwrap();
    let mut tokens = Vec::new();
    let mut offsets = vec![0u32];
    for r in rows {
        tokens.extend_from_slice(r);
        offsets.push(tokens.len() as u32);
    }
    let b = h.hash_batch(&tokens, &offsets).unwrap();
    b.row_offsets.windows(2).map(|w| b.ids[w[0] as usize..w[1] as usize].to_vec()).collect()
}

#[test]
fn spec_example_block_size_4() {
    let rows: [&[u32]; 4] = [
        &[11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
        &[11, 12, 13, 14, 15, 16, 17, 18, 30],
        &[15, 16, 17, 18, 11, 12, 13, 14],
        &[11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
    ];
    assert_eq!(hash(4, &rows), vec![vec![0, 1, 2], vec![0, 1, 3], vec![4, 5], vec![0, 1, 2]]);
    let mut h = PromptHasher::new(4).unwrap();
    for r in rows {
        h.hash_batch(r, &[0, r.len() as u32]).unwrap();
    }
    assert_eq!((h.rows(), h.blocks(), h.distinct_ids()), (4, 11, 6));
}

#[test]
fn batches_and_single_rows_agree() {
    let rows: Vec<Vec<u32>> = (0..50u32).map(|i| (0..(i * 7) % 23).map(|t| (t * 3 + i % 4) % 9).collect()).collect();
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    let whole = hash(3, &refs);
    let mut h = PromptHasher::new(3).unwrap();
    let mut split = Vec::new();
    for chunk in refs.chunks(7) {
        let mut tokens = Vec::new();
        let mut offsets = vec![0u32];
        for r in chunk {
            tokens.extend_from_slice(r);
            offsets.push(tokens.len() as u32);
        }
        let b = h.hash_batch(&tokens, &offsets).unwrap();
        split.extend(b.row_offsets.windows(2).map(|w| b.ids[w[0] as usize..w[1] as usize].to_vec()));
    }
    assert_eq!(whole, split);
}

#[test]
fn shared_prefixes_give_shared_leading_ids_and_a_change_propagates() {
    let base: Vec<u32> = (0..40).collect();
    for k in 0..10usize {
        // change one token inside block k (bs 4)
        let mut changed = base.clone();
        changed[k * 4 + 2] = 999;
        let ids = hash(4, &[&base, &changed]);
        for (j, (a, b)) in ids[0].iter().zip(&ids[1]).enumerate() {
            if j < k {
                assert_eq!(a, b, "block {j} before the change is shared");
            } else {
                assert_ne!(a, b, "block {j} from the change on differs");
            }
        }
    }
}

#[test]
fn same_block_after_different_prefix_gets_a_new_id() {
    let ids = hash(2, &[&[1, 2, 5, 6], &[3, 4, 5, 6]]);
    assert_ne!(ids[0][1], ids[1][1]);
}

#[test]
fn last_partial_block_and_empty_prompt() {
    let ids = hash(4, &[&[1, 2, 3, 4, 5], &[1, 2, 3, 4, 5, 6], &[], &[1, 2, 3, 4]]);
    assert_eq!(ids, vec![vec![0, 1], vec![0, 2], vec![], vec![0]]);
}

#[test]
fn ids_are_dense_in_first_seen_order() {
    let rows: Vec<Vec<u32>> = (0..200u32).map(|i| vec![i % 13, i % 5, i % 7, i % 3, i]).collect();
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    let mut max_seen: i64 = -1;
    for ids in hash(2, &refs) {
        for id in ids {
            assert!(i64::from(id) <= max_seen + 1, "id {id} skips ahead of {max_seen}");
            max_seen = max_seen.max(i64::from(id));
        }
    }
}

#[test]
fn bad_offsets_and_block_size_are_argument_errors() {
    assert_eq!(PromptHasher::new(0).err().unwrap().code, ErrorCode::InvalidArg);
    let mut h = PromptHasher::new(4).unwrap();
    assert_eq!(h.hash_batch(&[1, 2], &[0, 3]).unwrap_err().code, ErrorCode::InvalidArg);
    assert_eq!(h.hash_batch(&[1, 2], &[1, 2]).unwrap_err().code, ErrorCode::InvalidArg);
    assert_eq!(h.hash_batch(&[1, 2], &[0, 2, 1, 2]).unwrap_err().code, ErrorCode::InvalidArg);
    let empty = h.hash_batch(&[], &[0]).unwrap();
    assert_eq!((empty.ids.len(), empty.row_offsets), (0, vec![0]));
}
