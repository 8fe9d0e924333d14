// Every kernel of dense_flow and pyramidal_flow, compiled once per instruction set of isa.hpp
// (as Google Highway's foreach_target does): isa_kernels.inl is included once for the build's
// own target (namespace isa_base), and with GCC or clang on x86-64 again inside a target region
// for AVX2+FMA (isa_avx2) and for AVX-512 (isa_avx512). Each call then runs every pass of its
// algorithm in the copy active_isa() names, chosen once per call (run_dense_lk,
// run_pyramidal_lk below). A copy for an instruction set the build already targets is left out.
//
// Order matters: every header, lkflow's, the standard library's and Eigen's, is included here
// before the first target region, so that only kernels are compiled inside one. A function
// first defined inside a region would be compiled for its instruction set, and the linker could
// then keep that copy for callers running on processors without it. Templates defined outside a
// region keep the build's target wherever they are instantiated (so Eigen's own expressions
// stay at the build's width; the kernels do not use them in their loops).
#pragma once

#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "../params.hpp"
#include "box_sums.hpp"
#include "dense_kernel.hpp"
#include "flow_candidates.hpp"
#include "flow_fill.hpp"
#include "isa.hpp"
#include "median3x3.hpp"
#include "pyramid_driver.hpp"
#include "pyramid_kernel.hpp"
#include "pyramid_resample.hpp"
#include "residual_noise.hpp"
#include "row_reader.hpp"
#include "tensor2x2.hpp"
#include "vector_sqrt.hpp"
#include "warp.hpp"
#include "warp_avx2.hpp"
#include "warp_avx512.hpp"
#include "window_scan.hpp"

// GCC 12 reports uninitialised values inside its own avx512fintrin.h where AVX-512 intrinsics
// are inlined (GCC bug 105593; fixed in GCC 13): silenced for the copies that use them.
#if defined(__GNUC__) && !defined(__clang__)
#define LKFLOW_BEGIN_AVX512_WARNINGS \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define LKFLOW_END_AVX512_WARNINGS _Pragma("GCC diagnostic pop")
#else
#define LKFLOW_BEGIN_AVX512_WARNINGS
#define LKFLOW_END_AVX512_WARNINGS
#endif

// ---- The base copy: the build's own target, no region ----
#define LKFLOW_ISA_KERNELS
#define LKFLOW_ISA_NAMESPACE isa_base
#if defined(__AVX512F__)
#define LKFLOW_ISA_VECTOR_BYTES 64
#define LKFLOW_ISA_SAMPLER 512
#elif defined(__AVX2__) && defined(__FMA__)
#define LKFLOW_ISA_VECTOR_BYTES 32
#define LKFLOW_ISA_SAMPLER 256
#elif defined(__AVX2__)
#define LKFLOW_ISA_VECTOR_BYTES 32
#define LKFLOW_ISA_SAMPLER 0
#else
#define LKFLOW_ISA_VECTOR_BYTES 16
#define LKFLOW_ISA_SAMPLER 0
#endif
LKFLOW_BEGIN_FP_RULES
#if defined(__AVX512F__)
LKFLOW_BEGIN_AVX512_WARNINGS
#include "isa_kernels.inl"
LKFLOW_END_AVX512_WARNINGS
#else
#include "isa_kernels.inl"
#endif
LKFLOW_END_FP_RULES
#undef LKFLOW_ISA_SAMPLER
#undef LKFLOW_ISA_VECTOR_BYTES
#undef LKFLOW_ISA_NAMESPACE

// ---- AVX2 + FMA ----
#if LKFLOW_HAS_AVX2_KERNELS
#define LKFLOW_ISA_NAMESPACE isa_avx2
#define LKFLOW_ISA_VECTOR_BYTES 32
#define LKFLOW_ISA_SAMPLER 256
LKFLOW_BEGIN_FP_RULES
LKFLOW_BEGIN_TARGET_REGION(LKFLOW_AVX2_FEATURES)
#include "isa_kernels.inl"
LKFLOW_END_TARGET_REGION
LKFLOW_END_FP_RULES
#undef LKFLOW_ISA_SAMPLER
#undef LKFLOW_ISA_VECTOR_BYTES
#undef LKFLOW_ISA_NAMESPACE
#endif

// ---- AVX-512 ----
#if LKFLOW_HAS_AVX512_KERNELS
#define LKFLOW_ISA_NAMESPACE isa_avx512
#define LKFLOW_ISA_VECTOR_BYTES 64
#define LKFLOW_ISA_SAMPLER 512
LKFLOW_BEGIN_AVX512_WARNINGS
LKFLOW_BEGIN_FP_RULES
LKFLOW_BEGIN_TARGET_REGION(LKFLOW_AVX512_FEATURES)
#include "isa_kernels.inl"
LKFLOW_END_TARGET_REGION
LKFLOW_END_FP_RULES
LKFLOW_END_AVX512_WARNINGS
#undef LKFLOW_ISA_SAMPLER
#undef LKFLOW_ISA_VECTOR_BYTES
#undef LKFLOW_ISA_NAMESPACE
#endif
#undef LKFLOW_ISA_KERNELS

namespace lkflow::detail {

/// dense_flow's kernel (dense_kernel.hpp) on the copy active_isa() names.
template <class S, class Acc, class In>
void run_dense_lk(const StridedImage<In>& image0, const StridedImage<In>& image1,
                  Eigen::Index radius, double min_eigenvalue, int threads, Flow<S>& out) {
  switch (active_isa()) {
#if LKFLOW_HAS_AVX512_KERNELS
    case Isa::avx512:
      return isa_avx512::dense_lk<S, Acc>(image0, image1, radius, min_eigenvalue, threads, out);
#endif
#if LKFLOW_HAS_AVX2_KERNELS
    case Isa::avx2:
      return isa_avx2::dense_lk<S, Acc>(image0, image1, radius, min_eigenvalue, threads, out);
#endif
    default:
      return isa_base::dense_lk<S, Acc>(image0, image1, radius, min_eigenvalue, threads, out);
  }
}

template <class S, class In>
void run_pyramidal_lk(const StridedImage<In>& I0, const StridedImage<In>& I1,
                      const Flow<S>* initial, const PyramidParams& params, int level_count,
                      Flow<S>& out, PyramidBuffers<S>& buffers) {
  switch (active_isa()) {
#if LKFLOW_HAS_AVX512_KERNELS
    case Isa::avx512:
      return isa_avx512::pyramidal_lk(I0, I1, initial, params, level_count, out, buffers);
#endif
#if LKFLOW_HAS_AVX2_KERNELS
    case Isa::avx2:
      return isa_avx2::pyramidal_lk(I0, I1, initial, params, level_count, out, buffers);
#endif
    default:
      return isa_base::pyramidal_lk(I0, I1, initial, params, level_count, out, buffers);
  }
}

}  // namespace lkflow::detail
