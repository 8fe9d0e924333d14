// numpy arrays as lkflow's images and flows, and back. Input images are mapped where they lie,
// with their strides (C or Fortran order, slices, negative or zero strides): lkflow reads them
// in place. Results move from lkflow's Eigen arrays into numpy arrays that take them over. Only
// flows given to functions whose C++ form takes a Flow<S> (an initial flow, write_flo,
// flow_to_rgb, flow_errors) are copied, since a Flow owns its arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <Eigen/Core>

#include <lkflow/image.hpp>

namespace lkflow_python {

namespace py = pybind11;

/// A read-only view of a 2-D numpy array with its strides, counted in elements.
template <class T>
using ImageView = Eigen::Map<const lkflow::Image<T>, Eigen::Unaligned,
                             Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/// A writable view of a 2-D numpy array with its strides, counted in elements.
template <class T>
using MutableImageView =
    Eigen::Map<lkflow::Image<T>, Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/// The pixel types lkflow reads.
enum class Pixel { u8, u16, f32, f64 };

inline py::module_ numpy() { return py::module_::import("numpy"); }

/// `obj` as a numpy array: itself when it is one, otherwise numpy.asarray(obj) (lists, objects
/// with __array__ or the buffer protocol), which checks below then judge.
inline py::array as_array(py::handle obj) {
  if (py::isinstance<py::array>(obj)) return py::reinterpret_borrow<py::array>(obj);
  return numpy().attr("asarray")(obj).cast<py::array>();
}

/// "(480, 854, 3)", as numpy prints a shape.
inline std::string shape_text(const py::array& a) {
  return py::str(a.attr("shape")).cast<std::string>();
}

inline std::string dtype_text(const py::array& a) {
  return py::str(a.attr("dtype")).cast<std::string>();
}

/// The pixel type of image argument `name` of `func`; TypeError for any dtype lkflow does not
/// read (byte-swapped ones included), ValueError when it is not 2-D.
inline Pixel pixel_type(const char* func, const char* name, const py::array& a) {
  if (a.ndim() != 2)
    throw py::value_error(std::string(func) + ": " + name +
                          " must be a 2-D array (rows = y, columns = x), got shape " +
                          shape_text(a) + (a.ndim() == 3 ? "; convert colour frames to gray" : ""));
  const py::dtype type = a.dtype();
  const bool native = type.byteorder() == '=' || type.byteorder() == '|';
  if (native && type.kind() == 'u' && type.itemsize() == 1) return Pixel::u8;
  if (native && type.kind() == 'u' && type.itemsize() == 2) return Pixel::u16;
  if (native && type.kind() == 'f' && type.itemsize() == 4) return Pixel::f32;
  if (native && type.kind() == 'f' && type.itemsize() == 8) return Pixel::f64;
  throw py::type_error(std::string(func) + ": " + name + " has dtype " + dtype_text(a) +
                       "; lkflow reads uint8, uint16, float32 or float64 pixels in the machine's "
                       "byte order (convert with .astype())");
}

/// True when every element can be read through a T* at its strides. numpy arrays are, except
/// views built at odd byte offsets (e.g. numpy.frombuffer with an offset).
inline bool aligned(const py::array& a) {
  return (a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_) != 0 &&
         a.strides(0) % a.itemsize() == 0 && a.strides(1) % a.itemsize() == 0;
}

/// `a` itself when aligned, else an aligned copy (the one case where an input is copied).
inline py::array readable(const py::array& a) {
  return aligned(a) ? a : a.attr("copy")().cast<py::array>();
}

/// The pixels of a 2-D array of T (checked by pixel_type, aligned by readable), in place.
template <class T>
ImageView<T> image_view(const py::array& a) {
  const auto item = static_cast<py::ssize_t>(sizeof(T));
  return ImageView<T>(
      static_cast<const T*>(a.data()), a.shape(0), a.shape(1),
      Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(a.strides(0) / item, a.strides(1) / item));
}

/// Calls f(view of I0, view of I1) with both frames mapped as their common pixel type; TypeError
/// when their dtypes differ. I0 and I1 must stay alive while f runs; `readable` may have
/// replaced an unaligned one by a copy, so they are taken by reference and updated.
template <class F>
decltype(auto) with_frames(const char* func, py::array& I0, py::array& I1, F&& f) {
  const Pixel p0 = pixel_type(func, "I0", I0);
  const Pixel p1 = pixel_type(func, "I1", I1);
  if (p0 != p1)
    throw py::type_error(std::string(func) + ": I0 has dtype " + dtype_text(I0) +
                         " but I1 has dtype " + dtype_text(I1) + "; both frames must have one");
  I0 = readable(I0);
  I1 = readable(I1);
  switch (p0) {
    case Pixel::u8:
      return f(image_view<std::uint8_t>(I0), image_view<std::uint8_t>(I1));
    case Pixel::u16:
      return f(image_view<std::uint16_t>(I0), image_view<std::uint16_t>(I1));
    case Pixel::f32:
      return f(image_view<float>(I0), image_view<float>(I1));
    case Pixel::f64:
      break;
  }
  return f(image_view<double>(I0), image_view<double>(I1));
}

/// A numpy array that takes over `image`'s buffer (moved, not copied) and frees it when numpy
/// drops the array.
template <class S>
py::array adopt(lkflow::Image<S>&& image) {
  auto owned = std::make_unique<lkflow::Image<S>>(std::move(image));
  const py::ssize_t rows = owned->rows(), cols = owned->cols();
  const auto item = static_cast<py::ssize_t>(sizeof(S));
  S* data = owned->data();
  py::capsule owner(owned.get(), [](void* p) { delete static_cast<lkflow::Image<S>*>(p); });
  owned.release();  // the capsule owns it now
  return py::array_t<S>(std::vector<py::ssize_t>{rows, cols},
                        std::vector<py::ssize_t>{cols * item, item}, data, owner);
}

/// A new, uninitialised C-ordered rows x cols numpy array of S.
template <class S>
py::array_t<S> new_image(Eigen::Index rows, Eigen::Index cols) {
  return py::array_t<S>(std::vector<py::ssize_t>{rows, cols});
}

/// A writable view of a numpy array already known to be 2-D, of S and aligned.
template <class S>
MutableImageView<S> mutable_view(py::array& a) {
  const auto item = static_cast<py::ssize_t>(sizeof(S));
  return MutableImageView<S>(
      static_cast<S*>(a.mutable_data()), a.shape(0), a.shape(1),
      Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(a.strides(0) / item, a.strides(1) / item));
}

/// The u and v of a flow argument: an object with attributes u and v (an lkflow.Flow), or a
/// sequence (u, v) or (u, v, confidence). Both must be 2-D float32 or float64 arrays.
inline std::pair<py::array, py::array> flow_fields(const char* func, const char* name,
                                                   py::handle flow) {
  py::object u, v;
  if (py::hasattr(flow, "u") && py::hasattr(flow, "v")) {
    u = flow.attr("u");
    v = flow.attr("v");
  } else if (py::isinstance<py::sequence>(flow) && !py::isinstance<py::array>(flow) &&
             !py::isinstance<py::str>(flow) && (py::len(flow) == 2 || py::len(flow) == 3)) {
    u = flow[py::int_(0)];
    v = flow[py::int_(1)];
  } else {
    throw py::type_error(std::string(func) + ": " + name +
                         " must be an lkflow.Flow or a tuple (u, v), got " +
                         py::str(py::type::of(flow)).cast<std::string>());
  }
  std::pair<py::array, py::array> fields{as_array(u), as_array(v)};
  for (auto [field, field_name] : {std::pair<py::array*, const char*>{&fields.first, ".u"},
                                   std::pair<py::array*, const char*>{&fields.second, ".v"}}) {
    const std::string what = std::string(name) + field_name;
    if (field->ndim() != 2)
      throw py::value_error(std::string(func) + ": " + what + " must be a 2-D array, got shape " +
                            shape_text(*field));
    const py::dtype type = field->dtype();
    if (type.kind() != 'f' || (type.itemsize() != 4 && type.itemsize() != 8) ||
        (type.byteorder() != '=' && type.byteorder() != '|'))
      throw py::type_error(std::string(func) + ": " + what + " has dtype " + dtype_text(*field) +
                           "; flow fields must be float32 or float64 in the machine's byte order");
    *field = readable(*field);
  }
  if (fields.first.shape(0) != fields.second.shape(0) ||
      fields.first.shape(1) != fields.second.shape(1))
    throw py::value_error(std::string(func) + ": " + name + ".u has shape " +
                          shape_text(fields.first) + " but " + name + ".v has shape " +
                          shape_text(fields.second));
  return fields;
}

/// out = field converted to S; `out` keeps its buffer when its size is already right.
template <class S>
void copy_field(const py::array& field, lkflow::Image<S>& out) {
  if (field.itemsize() == 4)
    out = image_view<float>(field).template cast<S>();
  else
    out = image_view<double>(field).template cast<S>();
}

}  // namespace lkflow_python
