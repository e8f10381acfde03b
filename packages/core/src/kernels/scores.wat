;; Scoring kernels for the embedded vector store: for each of `rows` stored vectors of `dims`
;; float32s starting at `data`, the score against the query at `query`, written as float32s to
;; `out`. f32x4 SIMD over four lanes at a time, a scalar loop for the remainder (dims % 4).
(module
  (import "env" "memory" (memory 1))

  ;; out[r] = dot(query, data[r])
  (func (export "dot") (param $data i32) (param $query i32) (param $out i32) (param $rows i32) (param $dims i32)
    (local $r i32) (local $i i32) (local $row i32) (local $acc v128) (local $sum f32) (local $simdEnd i32)
    (local.set $simdEnd (i32.and (local.get $dims) (i32.const -4)))
    (local.set $row (local.get $data))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $simdDone
          (loop $simdLoop
            (br_if $simdDone (i32.ge_u (local.get $i) (local.get $simdEnd)))
            (local.set $acc
              (f32x4.add (local.get $acc)
                (f32x4.mul
                  (v128.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 2))))
                  (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $simdLoop)))
        (local.set $sum
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $dims)))
            (local.set $sum
              (f32.add (local.get $sum)
                (f32.mul
                  (f32.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 2))))
                  (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tailLoop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $sum))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $dims) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))

  ;; out[r] = squared euclidean distance(query, data[r])
  (func (export "sqdist") (param $data i32) (param $query i32) (param $out i32) (param $rows i32) (param $dims i32)
    (local $r i32) (local $i i32) (local $row i32) (local $acc v128) (local $d v128) (local $sum f32) (local $x f32) (local $simdEnd i32)
    (local.set $simdEnd (i32.and (local.get $dims) (i32.const -4)))
    (local.set $row (local.get $data))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $simdDone
          (loop $simdLoop
            (br_if $simdDone (i32.ge_u (local.get $i) (local.get $simdEnd)))
            (local.set $d
              (f32x4.sub
                (v128.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 2))))
                (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $simdLoop)))
        (local.set $sum
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $dims)))
            (local.set $x
              (f32.sub
                (f32.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 2))))
                (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $x) (local.get $x))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tailLoop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $sum))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $dims) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))
