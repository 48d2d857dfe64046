// Package matmul is a pure-Go (Go assembly on amd64) batched float32 matrix product, blocked and
// packed in the manner of BLIS/GotoBLAS: the operands are copied into cache-sized panels and a
// register-blocked micro-kernel computes MR×NR tiles of the result. Operands are described by offset
// tables, so any axis layout (transposed, batch axes anywhere) is read in place, without a separate
// transposition pass.
//
// The micro-kernel is chosen once, from the CPU: AVX-512 (8×32 tiles), AVX2+FMA (6×16), or portable
// Go (4×4). The vector kernels use fused multiply-adds, like BLAS libraries (so a sum whose
// partial products overflow may stay infinite rather than become NaN). Results are deterministic:
// every output element is summed by one goroutine in a fixed order, whatever the number of
// workers, and the AVX2 and AVX-512 kernels sum in the same order.
package matmul

import (
	"fmt"
	"runtime"
	"sync"
)

// Operand describes a batch of matrices inside a flat slice: element (b, i, j) is Data[x+y+z]
// where x, y and z are offsets number b of Batch, i of Rows and j of Cols.
type Operand struct {
	Data              []float32
	Batch, Rows, Cols Index
}

// Index enumerates the offsets of a group of tensor axes in row-major order: offset number i is
// Σ idx[a]·Strides[a] for the multi-index idx of i over Dims (no axes: the single offset 0).
type Index struct {
	Dims, Strides []int
}

// Strided returns the index {0, stride, 2·stride, ...} of length n.
func Strided(n, stride int) Index { return Index{Dims: []int{n}, Strides: []int{stride}} }

// Axes returns the index over axes (in that order) of a row-major tensor with dimensions dims.
func Axes(dims []int, axes []int) Index {
	strides := make([]int, len(dims))
	s := 1
	for a := len(dims) - 1; a >= 0; a-- {
		strides[a] = s
		s *= dims[a]
	}
	ix := Index{Dims: make([]int, len(axes)), Strides: make([]int, len(axes))}
	for i, a := range axes {
		ix.Dims[i], ix.Strides[i] = dims[a], strides[a]
	}
	return ix
}

// Len returns the number of offsets.
func (ix Index) Len() int {
	n := 1
	for _, d := range ix.Dims {
		n *= d
	}
	return n
}

// Offsets returns all the offsets, in order.
func (ix Index) Offsets() []int {
	off := []int{0}
	for a, d := range ix.Dims {
		next := make([]int, 0, len(off)*d)
		for _, o := range off {
			for i := range d {
				next = append(next, o+i*ix.Strides[a])
			}
		}
		off = next
	}
	return off
}

// affine returns s when the offsets are {0, s, 2s, ...} with s >= 1 (s = 1 for a single offset).
func (ix Index) affine() (int, bool) {
	stride, seen := 1, false // stride of the axes collapsed so far
	for a, d := range ix.Dims {
		switch {
		case d == 1:
			continue
		case !seen:
			stride, seen = ix.Strides[a], true
		case stride == ix.Strides[a]*d:
			stride = ix.Strides[a]
		default:
			return 0, false
		}
	}
	return stride, stride >= 1
}

// axis is one index of an operand during a product: affine (stride) or a table of offsets.
type axis struct {
	n      int
	stride int   // when table == nil
	table  []int // when not affine
}

func newAxis(ix Index) axis {
	if s, ok := ix.affine(); ok {
		return axis{n: ix.Len(), stride: s}
	}
	return axis{n: ix.Len(), table: ix.Offsets()}
}

// at returns offset i.
func (x axis) at(i int) int {
	if x.table != nil {
		return x.table[i]
	}
	return i * x.stride
}

// operand is an Operand prepared for a product.
type operand struct {
	data       []float32
	batch      []int
	rows, cols axis
}

func prepare(o Operand) operand {
	return operand{data: o.Data, batch: o.Batch.Offsets(), rows: newAxis(o.Rows), cols: newAxis(o.Cols)}
}

// Kernel names the micro-kernel in use, e.g. "avx512 8x32".
func Kernel() string { return activeKernel.name }

// kernel is a micro-kernel: it computes the mr×nr tile c (row stride ldc) = (acc ? c : 0) +
// Σ_p A[:,p]·B[p,:] over k steps, with A(i,p) = a[i·ars+p·acs] and B(p,j) = b[p·bs+j].
type kernel struct {
	name   string
	mr, nr int
	fn     func(k int, a []float32, ars, acs int, b []float32, bs int, c []float32, ldc int, acc bool)
}

// Blocking parameters: kc is the depth of one pass over a block; mc the rows of one task.
const (
	kc = 256
	mc = 120 // a multiple of 8, 6 and 4
)

// minParallelFlops is the size (multiply-adds) under which a product runs on one goroutine.
const minParallelFlops = 1 << 17

// Batched computes out[b,i,j] = Σ_p a(b,i,p)·bm(b,p,j) for every batch b, with out laid out
// contiguously as [batch, M, N] (M = a.Rows.Len(), N = bm.Cols.Len(), K = a.Cols.Len() =
// bm.Rows.Len()). workers <= 0 means runtime.GOMAXPROCS(0). out is overwritten.
func Batched(out []float32, a, bm Operand, workers int) error {
	batch, m, k, n := a.Batch.Len(), a.Rows.Len(), a.Cols.Len(), bm.Cols.Len()
	if bm.Batch.Len() != batch || bm.Rows.Len() != k {
		return fmt.Errorf("matmul: operand sizes do not match: a batch %d, %d×%d; b batch %d, %d×%d",
			batch, m, k, bm.Batch.Len(), bm.Rows.Len(), n)
	}
	if len(out) != batch*m*n {
		return fmt.Errorf("matmul: output has %d values, want %d×%d×%d", len(out), batch, m, n)
	}
	if batch == 0 || m == 0 || n == 0 {
		return nil
	}
	if k == 0 {
		clear(out)
		return nil
	}
	batchedWith(activeKernel, out, prepare(a), prepare(bm), workers)
	return nil
}

// task is one unit of work: rows [i0, i1) and columns [j0, j1) of batch b.
type task struct{ b, i0, i1, j0, j1 int }

// layout is an operand's access pattern: when affine, element (b,i,j) is at
// batch[b] + i·rs + j·cs.
type layout struct {
	affine bool
	rs, cs int
}

func layoutOf(o operand) layout {
	return layout{affine: o.rows.table == nil && o.cols.table == nil, rs: o.rows.stride, cs: o.cols.stride}
}

func batchedWith(kern kernel, out []float32, a, bm operand, workers int) {
	batch, m, k, n := len(a.batch), a.rows.n, a.cols.n, bm.cols.n
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	flops := batch * m * n * k
	workers = max(1, min(workers, flops/minParallelFlops))

	// Split rows into blocks of at most mc (multiples of mr); when there are fewer blocks than
	// workers, make them smaller, and then split the columns too.
	rowBlock := min(mc, roundUp(m, kern.mr))
	if batch*ceilDiv(m, rowBlock) < workers {
		per := ceilDiv(workers, batch)
		rowBlock = max(kern.mr, roundUp(ceilDiv(m, per), kern.mr))
	}
	colBlock := roundUp(n, kern.nr)
	if rows := batch * ceilDiv(m, rowBlock); rows < workers {
		per := ceilDiv(workers, rows)
		colBlock = max(kern.nr, roundUp(ceilDiv(n, per), kern.nr))
	}
	var tasks []task
	for b := range batch {
		for j0 := 0; j0 < n; j0 += colBlock {
			for i0 := 0; i0 < m; i0 += rowBlock {
				tasks = append(tasks, task{b, i0, min(i0+rowBlock, m), j0, min(j0+colBlock, n)})
			}
		}
	}
	la, lb := layoutOf(a), layoutOf(bm)
	lb.affine = lb.affine && lb.cs == 1 // B rows are read as nr contiguous values
	// A B that cannot be read in place is packed once, whole, and shared by all tasks.
	var packedB *[]float32
	if !lb.affine {
		packedB = getScratch(batch * ceilDiv(n, kern.nr) * k * kern.nr)
		defer scratch.Put(packedB)
		packB(*packedB, bm, kern.nr)
	}
	workers = min(workers, len(tasks))
	depth := min(k, kc)
	run := func(tasks []task) {
		w := worker{kern: kern, la: la, lb: lb, apSize: roundUp(rowBlock, kern.mr) * depth}
		if packedB != nil {
			w.packedB = *packedB
		}
		w.run(tasks, out, a, bm, m, n)
		w.release()
	}
	if workers == 1 {
		run(tasks)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(tasks)/workers, (w+1)*len(tasks)/workers
		wg.Go(func() { run(tasks[lo:hi]) })
	}
	wg.Wait()
}

// packB copies every batch of bm into dst as panels of nr columns, [batch][panel][p][c],
// zero-padding the last panel of each batch.
func packB(dst []float32, bm operand, nr int) {
	k, n := bm.rows.n, bm.cols.n
	panels := ceilDiv(n, nr)
	for b, base := range bm.batch {
		for jp := range panels {
			j := jp * nr
			cols := min(nr, n-j)
			p := dst[(b*panels+jp)*k*nr : (b*panels+jp+1)*k*nr]
			for q := range k {
				d := p[q*nr : (q+1)*nr]
				row := base + bm.rows.at(q)
				if bm.cols.table == nil {
					cs := bm.cols.stride
					src := bm.data[row+j*cs:]
					for c := range cols {
						d[c] = src[c*cs]
					}
				} else {
					for c := range cols {
						d[c] = bm.data[row+bm.cols.table[j+c]]
					}
				}
				clear(d[cols:])
			}
		}
	}
}

// worker holds one goroutine's packing buffers, taken from scratch when first needed (most
// products read their operands in place and need none).
type worker struct {
	kern         kernel
	la, lb       layout
	apSize       int
	ap, bp, tile *[]float32
	// packedB is the whole packed B when B cannot be read in place (see packB).
	packedB []float32
}

// scratch recycles packing buffers between products: allocating (and zeroing) them for every
// small product cost more than the product itself.
var scratch sync.Pool

func getScratch(n int) *[]float32 {
	p, _ := scratch.Get().(*[]float32)
	if p == nil || cap(*p) < n {
		s := make([]float32, n)
		return &s
	}
	*p = (*p)[:n]
	return p
}

func (w *worker) buffer(p **[]float32, n int) []float32 {
	if *p == nil {
		*p = getScratch(n)
	}
	return **p
}

// release returns the worker's buffers to scratch.
func (w *worker) release() {
	for _, p := range []*[]float32{w.ap, w.bp, w.tile} {
		if p != nil {
			scratch.Put(p)
		}
	}
}

// panel is where a micro-kernel reads one operand panel: data with strides.
type panel struct {
	data   []float32
	rs, cs int
}

func (w *worker) run(tasks []task, out []float32, a, bm operand, m, n int) {
	k := a.cols.n
	mr, nr := w.kern.mr, w.kern.nr
	var aPanels, bPanels []panel
	for _, t := range tasks {
		cBase := t.b * m * n
		for p0 := 0; p0 < k; p0 += kc {
			depth := min(kc, k-p0)
			aPanels = w.panelsA(aPanels[:0], a, t, p0, depth)
			bPanels = w.panelsB(bPanels[:0], bm, t, p0, depth)
			acc := p0 > 0
			for jp, bp := range bPanels {
				j := t.j0 + jp*nr
				cols := min(nr, t.j1-j)
				for ip, ap := range aPanels {
					i := t.i0 + ip*mr
					rows := min(mr, t.i1-i)
					c := out[cBase+i*n+j:]
					if rows == mr && cols == nr {
						w.kern.fn(depth, ap.data, ap.rs, ap.cs, bp.data, bp.rs, c, n, acc)
						continue
					}
					// Edge tile: compute into the scratch tile and copy the valid part.
					tile := w.buffer(&w.tile, mr*nr)
					w.kern.fn(depth, ap.data, ap.rs, ap.cs, bp.data, bp.rs, tile, nr, false)
					for r := range rows {
						dst := c[r*n : r*n+cols]
						src := tile[r*nr : r*nr+cols]
						if acc {
							for x := range dst {
								dst[x] += src[x]
							}
						} else {
							copy(dst, src)
						}
					}
				}
			}
		}
	}
}

// panelsA returns the A panels (mr rows each) of task t for depth [p0, p0+depth): read in place
// when the layout allows it, else packed into the worker's A buffer as [p][r] (zero-padded).
func (w *worker) panelsA(dst []panel, a operand, t task, p0, depth int) []panel {
	mr := w.kern.mr
	base := a.batch[t.b]
	for ip := 0; ip*mr < t.i1-t.i0; ip++ {
		i := t.i0 + ip*mr
		rows := min(mr, t.i1-i)
		if rows == mr && w.la.affine {
			off := base + i*w.la.rs + p0*w.la.cs
			dst = append(dst, panel{data: a.data[off:], rs: w.la.rs, cs: w.la.cs})
			continue
		}
		p := w.buffer(&w.ap, w.apSize)[ip*mr*depth : (ip+1)*mr*depth]
		for r := range mr {
			if r >= rows {
				for q := range depth {
					p[q*mr+r] = 0
				}
				continue
			}
			row := base + a.rows.at(i+r)
			if a.cols.table == nil {
				cs := a.cols.stride
				src := a.data[row+p0*cs:]
				for q := range depth {
					p[q*mr+r] = src[q*cs]
				}
			} else {
				for q := range depth {
					p[q*mr+r] = a.data[row+a.cols.table[p0+q]]
				}
			}
		}
		dst = append(dst, panel{data: p, rs: 1, cs: mr})
	}
	return dst
}

// panelsB returns the B panels (nr columns each) of task t for depth [p0, p0+depth): read in place
// when rows are contiguous, else from the packed B. For B, a panel's rs is the stride between
// depth steps.
func (w *worker) panelsB(dst []panel, bm operand, t task, p0, depth int) []panel {
	nr := w.kern.nr
	k, panels := bm.rows.n, ceilDiv(bm.cols.n, nr)
	for j := t.j0; j < t.j1; j += nr {
		if w.packedB != nil {
			off := ((t.b*panels+j/nr)*k + p0) * nr
			dst = append(dst, panel{data: w.packedB[off:], rs: nr})
			continue
		}
		base := bm.batch[t.b]
		if cols := min(nr, bm.cols.n-j); cols < nr {
			// A partial last panel: packed (zero-padded), as reading nr columns in place could
			// run past the end of the data.
			p := w.buffer(&w.bp, depth*nr)
			for q := range depth {
				row := base + bm.rows.at(p0+q)
				copy(p[q*nr:q*nr+cols], bm.data[row+j:row+j+cols])
				clear(p[q*nr+cols : (q+1)*nr])
			}
			dst = append(dst, panel{data: p, rs: nr})
			continue
		}
		off := base + p0*w.lb.rs + j
		dst = append(dst, panel{data: bm.data[off:], rs: w.lb.rs})
	}
	return dst
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// goKernel4x4 is the portable micro-kernel.
func goKernel4x4(k int, a []float32, ars, acs int, b []float32, bs int, c []float32, ldc int, acc bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < k; p++ {
		ap := a[p*acs:]
		a0, a1, a2, a3 := ap[0], ap[ars], ap[2*ars], ap[3*ars]
		bv := b[p*bs : p*bs+4 : p*bs+4]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	rows := [4][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for r := range 4 {
		dst := c[r*ldc : r*ldc+4]
		if acc {
			for x := range dst {
				dst[x] += rows[r][x]
			}
		} else {
			copy(dst, rows[r][:])
		}
	}
}

var goKernel = kernel{name: "go 4x4", mr: 4, nr: 4, fn: goKernel4x4}

// activeKernel is the fastest micro-kernel this CPU supports.
var activeKernel = availableKernels()[0]
