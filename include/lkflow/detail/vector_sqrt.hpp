// Square roots of an array, vectorised and correctly rounded. std::sqrt in a loop does not
// vectorise unless the user builds with -fno-math-errno, and Eigen's packet sqrt may use an
// approximation (rsqrt + Newton step under EIGEN_FAST_MATH), whose result would then depend on
// the array's alignment and the instruction set. The IEEE square-root instructions round
// exactly like std::sqrt, so every element gets the same value whichever copy of the kernels
// (isa.hpp) computes it, at that copy's vector width. Kernels only: see window_scan.hpp for the
// two parts of a header of kernels.
#ifndef LKFLOW_DETAIL_VECTOR_SQRT_HPP
#define LKFLOW_DETAIL_VECTOR_SQRT_HPP

#include <cmath>

#include <Eigen/Core>

#if defined(__SSE2__) || defined(__x86_64__)
#include <immintrin.h>
#endif

#endif  // LKFLOW_DETAIL_VECTOR_SQRT_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

inline void sqrt_in_place(float* data, Eigen::Index n) {
  Eigen::Index i = 0;
#if LKFLOW_ISA_VECTOR_BYTES == 64
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(data + i, _mm512_sqrt_ps(_mm512_loadu_ps(data + i)));
#elif LKFLOW_ISA_VECTOR_BYTES == 32
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(data + i, _mm256_sqrt_ps(_mm256_loadu_ps(data + i)));
#elif defined(__SSE2__)
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(data + i, _mm_sqrt_ps(_mm_loadu_ps(data + i)));
#endif
  for (; i < n; ++i) data[i] = std::sqrt(data[i]);
}

inline void sqrt_in_place(double* data, Eigen::Index n) {
  Eigen::Index i = 0;
#if LKFLOW_ISA_VECTOR_BYTES == 64
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(data + i, _mm512_sqrt_pd(_mm512_loadu_pd(data + i)));
#elif LKFLOW_ISA_VECTOR_BYTES == 32
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(data + i, _mm256_sqrt_pd(_mm256_loadu_pd(data + i)));
#elif defined(__SSE2__)
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(data + i, _mm_sqrt_pd(_mm_loadu_pd(data + i)));
#endif
  for (; i < n; ++i) data[i] = std::sqrt(data[i]);
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
