// The kernels of one copy, in dependency order: isa_kernels.hpp includes this file once per
// instruction set, with LKFLOW_ISA_KERNELS, LKFLOW_ISA_NAMESPACE (the copy's namespace),
// LKFLOW_ISA_VECTOR_BYTES (its widest vectors) and LKFLOW_ISA_SAMPLER (512, 256 or 0: the SIMD
// sampler of warp_avx512.hpp, of warp_avx2.hpp, or none) defined, inside the copy's target
// region. Every header below has been included once before, so only its kernels are compiled
// here: nothing is included for the first time inside a region (see isa_kernels.hpp).

namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {
/// The widest vectors this copy's explicit vector code uses, in bytes. (Target regions define
/// no __AVX2__ or __AVX512F__: only the build's own target does.)
inline constexpr int kVectorBytes = LKFLOW_ISA_VECTOR_BYTES;
}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE

#include "vector_sqrt.hpp"
#include "window_scan.hpp"
#include "box_sums.hpp"
#include "tensor2x2.hpp"
#include "warp_avx2.hpp"
#include "warp_avx512.hpp"
#include "warp.hpp"
#include "pyramid_resample.hpp"
#include "median3x3.hpp"
#include "pyramid_kernel.hpp"
#include "flow_candidates.hpp"
#include "residual_noise.hpp"
#include "flow_fill.hpp"
#include "pyramid_driver.hpp"
#include "dense_kernel.hpp"
