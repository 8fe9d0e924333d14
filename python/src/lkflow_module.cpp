// The Python module `lkflow`: dense and pyramidal Lucas-Kanade flow on numpy arrays, a class for
// video loops that keeps its buffers, and the .flo, colour and error functions. A thin layer over
// the C++ headers: frames are read where they lie (numpy_image.hpp), keyword arguments mirror
// the parameter structs (keywords.hpp), lkflow's exceptions keep their messages
// (std::invalid_argument becomes ValueError, lkflow::FileError lkflow.FileError, an OSError), and
// the GIL is released while lkflow computes, so that Python threads run flows in parallel.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl/filesystem.h>

#include <lkflow/lkflow.hpp>

#include "keywords.hpp"
#include "numpy_image.hpp"

namespace lkflow_python {
namespace {

/// lkflow.Flow, the namedtuple (u, v, confidence) every flow function returns; set once at import
/// and never released (it lives as long as the interpreter).
py::handle flow_type;

template <class S>
py::object flow_result(lkflow::Flow<S>&& flow) {
  py::object confidence = py::none();
  if (flow.confidence.size() != 0) confidence = adopt(std::move(flow.confidence));
  return flow_type(adopt(std::move(flow.u)), adopt(std::move(flow.v)), confidence);
}

/// The scalar type of a result, from a `dtype` keyword.
enum class Real { f32, f64 };

Real result_type(const char* func, py::handle dtype) {
  if (dtype.is_none()) return Real::f32;
  py::dtype type;
  try {
    type = py::dtype::from_args(py::reinterpret_borrow<py::object>(dtype));
  } catch (const py::error_already_set&) {
    type = py::dtype("int8");  // not a float: rejected below with lkflow's message
  }
  const bool native = type.byteorder() == '=' || type.byteorder() == '|';
  if (native && type.kind() == 'f' && type.itemsize() == 4) return Real::f32;
  if (native && type.kind() == 'f' && type.itemsize() == 8) return Real::f64;
  throw py::type_error(std::string(func) + ": dtype must be numpy.float32 or numpy.float64, got " +
                       repr_text(dtype));
}

py::dtype numpy_dtype(Real r) { return py::dtype(r == Real::f32 ? "float32" : "float64"); }

/// "preset, initial, radius, ...": keyword names for error messages.
std::string names(std::initializer_list<const char*> extra, const std::vector<std::string>& more) {
  std::string text;
  for (const char* n : extra) text += std::string(text.empty() ? "" : ", ") + n;
  for (const std::string& n : more) text += (text.empty() ? "" : ", ") + n;
  return text;
}

template <class P>
std::vector<std::string> member_names(const std::vector<Member<P>>& members) {
  std::vector<std::string> out;
  for (const Member<P>& m : members) out.emplace_back(m.name);
  return out;
}

// --- dense_flow --------------------------------------------------------------------------------

py::object dense_flow(py::object I0, py::object I1, py::kwargs kwargs) {
  constexpr const char* func = "lkflow.dense_flow";
  py::dict keywords(kwargs);
  const Real real = result_type(func, pop(keywords, "dtype"));
  lkflow::DenseParams params;
  take_members(func, dense_members(), keywords, params);
  reject_unknown(func, keywords, names({"dtype"}, member_names(dense_members())));

  py::array a0 = as_array(I0), a1 = as_array(I1);
  return with_frames(func, a0, a1, [&](const auto& m0, const auto& m1) -> py::object {
    auto run = [&](auto flow) {
      {
        py::gil_scoped_release unlocked;
        lkflow::dense_flow(m0, m1, params, flow);
      }
      return flow_result(std::move(flow));
    };
    return real == Real::f32 ? run(lkflow::Flow<float>{}) : run(lkflow::Flow<double>{});
  });
}

// --- pyramidal_flow ----------------------------------------------------------------------------

/// Preset first, then the keywords that name members of PyramidParams; removes what it takes.
lkflow::PyramidParams pyramid_keywords(const char* func, py::dict& keywords) {
  lkflow::PyramidParams params = preset_params(func, pop(keywords, "preset"));
  take_members(func, pyramid_members(), keywords, params);
  return params;
}

/// Copies u and v of a flow argument into `initial` (which keeps its buffers at equal sizes).
template <class S>
void take_initial(const char* func, py::handle flow, lkflow::Flow<S>& initial) {
  const auto [u, v] = flow_fields(func, "initial", flow);
  copy_field(u, initial.u);
  copy_field(v, initial.v);
}

py::object pyramidal_flow(py::object I0, py::object I1, py::kwargs kwargs) {
  constexpr const char* func = "lkflow.pyramidal_flow";
  py::dict keywords(kwargs);
  const Real real = result_type(func, pop(keywords, "dtype"));
  const py::object initial = pop(keywords, "initial");
  const lkflow::PyramidParams params = pyramid_keywords(func, keywords);
  reject_unknown(func, keywords,
                 names({"preset", "initial", "dtype"}, member_names(pyramid_members())));

  py::array a0 = as_array(I0), a1 = as_array(I1);
  return with_frames(func, a0, a1, [&](const auto& m0, const auto& m1) -> py::object {
    auto run = [&](auto flow) {
      using S = typename decltype(flow.u)::Scalar;
      lkflow::PyramidWorkspace<S> workspace;
      if (initial.is_none()) {
        py::gil_scoped_release unlocked;
        lkflow::pyramidal_flow(m0, m1, params, flow, workspace);
      } else {
        lkflow::Flow<S> start;
        take_initial(func, initial, start);
        py::gil_scoped_release unlocked;
        lkflow::pyramidal_flow(m0, m1, start, params, flow, workspace);
      }
      return flow_result(std::move(flow));
    };
    return real == Real::f32 ? run(lkflow::Flow<float>{}) : run(lkflow::Flow<double>{});
  });
}

// --- PyramidalFlow -----------------------------------------------------------------------------

/// pyramidal_flow for a video: keeps the pyramids and buffers (PyramidWorkspace) and the last
/// flow between calls, so that frames of an unchanged size allocate nothing but the returned
/// arrays (nothing at all with `out`). One call at a time per object: a second thread's call
/// waits for the first (without holding the GIL).
class PyramidalFlow {
 public:
  explicit PyramidalFlow(const py::kwargs& kwargs) {
    constexpr const char* func = "lkflow.PyramidalFlow";
    py::dict keywords(kwargs);
    real_ = result_type(func, pop(keywords, "dtype"));
    const py::object warm_start = pop(keywords, "warm_start");
    if (!warm_start.is_none()) warm_start_ = keyword_value<bool>(func, "warm_start", warm_start);
    params_ = pyramid_keywords(func, keywords);
    reject_unknown(func, keywords,
                   names({"preset", "warm_start", "dtype"}, member_names(pyramid_members())));
    // Bad values fail here rather than at the first frame: lkflow checks them on a 1x1 image
    // (with at most one level, which any image has; larger `levels` are checked per frame).
    lkflow::PyramidParams check = params_;
    check.levels = std::min(check.levels, 1);
    lkflow::pyramidal_flow(lkflow::Image<float>::Zero(1, 1), lkflow::Image<float>::Zero(1, 1),
                           check);
  }

 private:
  template <class S>
  struct State {
    lkflow::Flow<S> flow;     // the last result, and the next call's start when warm
    lkflow::Flow<S> initial;  // a caller's initial flow, copied
    lkflow::PyramidWorkspace<S> workspace;
    bool has_previous = false;
  };

  /// The three arrays a result is written to: `out`'s, checked, or new ones.
  template <class S>
  static py::object output(const char* func, py::handle out, Eigen::Index rows, Eigen::Index cols,
                           py::array (&fields)[3]) {
    static const char* const field_names[3] = {"out.u", "out.v", "out.confidence"};
    if (out.is_none()) {
      for (py::array& f : fields) f = new_image<S>(rows, cols);
      return flow_type(fields[0], fields[1], fields[2]);
    }
    if (!py::hasattr(out, "u") || !py::hasattr(out, "v") || !py::hasattr(out, "confidence"))
      throw py::type_error(std::string(func) +
                           ": out must be an lkflow.Flow (e.g. an earlier result) whose arrays "
                           "are overwritten");
    const char* const attributes[3] = {"u", "v", "confidence"};
    for (int k = 0; k < 3; ++k) {
      const py::object f = out.attr(attributes[k]);
      if (!py::isinstance<py::array>(f))
        throw py::type_error(std::string(func) + ": " + field_names[k] + " is not a numpy array");
      fields[k] = f.cast<py::array>();
    }
    for (int k = 0; k < 3; ++k) {
      const py::array& f = fields[k];
      const py::dtype type = f.dtype();
      const bool right_type = type.kind() == 'f' && type.itemsize() == sizeof(S) &&
                              (type.byteorder() == '=' || type.byteorder() == '|') && f.ndim() == 2;
      if (!right_type || f.shape(0) != rows || f.shape(1) != cols || !f.writeable() || !aligned(f))
        throw py::value_error(std::string(func) + ": " + field_names[k] +
                              " must be a writable, aligned 2-D " +
                              py::str(numpy_dtype(std::is_same_v<S, float> ? Real::f32 : Real::f64))
                                  .cast<std::string>() +
                              " array of the frames' shape (" + std::to_string(rows) + ", " +
                              std::to_string(cols) + ")");
    }
    return py::reinterpret_borrow<py::object>(out);
  }

  template <class S, class Map>
  py::object run(const char* func, const Map& m0, const Map& m1, py::handle initial, py::handle out,
                 State<S>& state) {
    const Eigen::Index rows = m0.rows(), cols = m0.cols();
    py::array fields[3];
    py::object result = output<S>(func, out, rows, cols, fields);
    MutableImageView<S> u = mutable_view<S>(fields[0]), v = mutable_view<S>(fields[1]),
                        confidence = mutable_view<S>(fields[2]);
    const bool has_initial = !initial.is_none();
    py::array initial_u, initial_v;
    if (has_initial) std::tie(initial_u, initial_v) = flow_fields(func, "initial", initial);

    // From here on only the arrays' buffers are touched (copy_field reads the array structs'
    // shape, strides and data, no Python API), so the GIL can go while this object is locked.
    py::gil_scoped_release unlocked;
    std::lock_guard<std::mutex> lock(mutex_);
    const lkflow::Flow<S>* start = nullptr;
    if (has_initial) {
      copy_field(initial_u, state.initial.u);
      copy_field(initial_v, state.initial.v);
      start = &state.initial;
    } else if (warm_start_ && state.has_previous && state.flow.u.rows() == rows &&
               state.flow.u.cols() == cols) {
      start = &state.flow;  // lkflow allows the output as the initial flow
    }
    state.has_previous = false;  // until this call succeeds
    if (start != nullptr)
      lkflow::pyramidal_flow(m0, m1, *start, params_, state.flow, state.workspace);
    else
      lkflow::pyramidal_flow(m0, m1, params_, state.flow, state.workspace);
    state.has_previous = true;
    u = state.flow.u;
    v = state.flow.v;
    confidence = state.flow.confidence;
    return result;
  }

 public:
  // (after run(): clang 14 wrongly reports the member templates undefined when used earlier)
  py::object calc(py::object I0, py::object I1, py::object initial, py::object out) {
    constexpr const char* func = "lkflow.PyramidalFlow.calc";
    py::array a0 = as_array(I0), a1 = as_array(I1);
    return with_frames(func, a0, a1, [&](const auto& m0, const auto& m1) -> py::object {
      if (real_ == Real::f32) return run(func, m0, m1, initial, out, float_);
      return run(func, m0, m1, initial, out, double_);
    });
  }

  /// Forgets the last flow: the next call starts from zero (or its `initial`).
  void reset() {
    py::gil_scoped_release unlocked;
    std::lock_guard<std::mutex> lock(mutex_);
    float_.has_previous = double_.has_previous = false;
  }

  py::dict params() const { return as_dict(pyramid_members(), params_); }
  py::dtype dtype() const { return numpy_dtype(real_); }
  bool warm_start() const { return warm_start_; }

 private:
  lkflow::PyramidParams params_;
  Real real_ = Real::f32;
  bool warm_start_ = true;
  State<float> float_;
  State<double> double_;
  std::mutex mutex_;
};

// --- Files, colours, errors --------------------------------------------------------------------

/// A flow argument copied into a Flow<double> (exact for float32 and float64 fields).
lkflow::Flow<double> flow_argument(const char* func, const char* name, py::handle flow) {
  const auto [u, v] = flow_fields(func, name, flow);
  lkflow::Flow<double> out;
  copy_field(u, out.u);
  copy_field(v, out.v);
  return out;
}

py::object read_flo(const std::filesystem::path& path) {
  lkflow::Flow<float> flow;
  {
    py::gil_scoped_release unlocked;
    flow = lkflow::read_flo(path);
  }
  return flow_result(std::move(flow));
}

void write_flo(const std::filesystem::path& path, py::handle flow) {
  constexpr const char* func = "lkflow.write_flo";
  const std::pair<py::array, py::array> fields = flow_fields(func, "flow", flow);
  const py::array& u = fields.first;  // not a structured binding: clang 14 cannot capture those
  const py::array& v = fields.second;
  auto write = [&](auto copy) {
    copy_field(u, copy.u);
    copy_field(v, copy.v);
    py::gil_scoped_release unlocked;
    lkflow::write_flo(path, copy);
  };
  // float32 fields are written as they are; float64 ones are rounded by lkflow::write_flo.
  if (u.itemsize() == 4 && v.itemsize() == 4)
    write(lkflow::Flow<float>{});
  else
    write(lkflow::Flow<double>{});
}

/// An rows x (3 cols) RGB image from lkflow as a (rows, cols, 3) numpy array, without a copy.
py::array rgb_array(lkflow::Image<std::uint8_t>&& rgb) {
  const Eigen::Index rows = rgb.rows(), cols = rgb.cols() / 3;
  return adopt(std::move(rgb)).attr("reshape")(rows, cols, 3).cast<py::array>();
}

py::array flow_to_rgb(py::handle flow, double max_radius) {
  const lkflow::Flow<double> f = flow_argument("lkflow.flow_to_rgb", "flow", flow);
  lkflow::Image<std::uint8_t> rgb;
  {
    py::gil_scoped_release unlocked;
    rgb = lkflow::flow_to_rgb(f, max_radius);
  }
  return rgb_array(std::move(rgb));
}

lkflow::FlowErrors flow_errors(py::handle estimate, py::handle truth) {
  constexpr const char* func = "lkflow.flow_errors";
  const lkflow::Flow<double> e = flow_argument(func, "estimate", estimate);
  const lkflow::Flow<double> t = flow_argument(func, "truth", truth);
  py::gil_scoped_release unlocked;
  return lkflow::flow_errors(e, t);
}

py::dict pyramid_params(py::handle preset, py::kwargs kwargs) {
  constexpr const char* func = "lkflow.pyramid_params";
  py::dict keywords(kwargs);
  lkflow::PyramidParams params = preset_params(func, preset);
  take_members(func, pyramid_members(), keywords, params);
  reject_unknown(func, keywords, names({"preset"}, member_names(pyramid_members())));
  return as_dict(pyramid_members(), params);
}

py::dict dense_params(py::kwargs kwargs) {
  constexpr const char* func = "lkflow.dense_params";
  py::dict keywords(kwargs);
  lkflow::DenseParams params;
  take_members(func, dense_members(), keywords, params);
  reject_unknown(func, keywords, names({}, member_names(dense_members())));
  return as_dict(dense_members(), params);
}

// --- Help texts --------------------------------------------------------------------------------
// Each starts with a signature line followed by "--", which Python reads as the function's
// signature (inspect.signature, help()).

std::string dense_flow_doc() {
  return "dense_flow(I0, I1, *, " + signature_text(dense_members()) +
         ", dtype='float32')\n--\n\n"
         "Dense single-scale Lucas-Kanade flow from I0 to I1 (Lucas & Kanade 1981).\n\n"
         "For every pixel (x, y) of I0, (u, v) such that I1(x + u, y + v) ~= I0(x, y), from the\n"
         "least-squares fit over the (2r+1) x (2r+1) window around it. Motions up to about a "
         "pixel;\n"
         "pyramidal_flow follows larger ones.\n\n"
         "I0, I1: 2-D numpy arrays (rows = y) of uint8, uint16, float32 or float64, both of one\n"
         "    dtype and shape; C or Fortran order or any strided view, read in place (not "
         "copied).\n"
         "    Integer pixels are scaled to [0, 1] by the type's maximum, float pixels used as "
         "given.\n"
         "Keywords (lkflow::DenseParams):\n" +
         keywords_help(dense_members()) +
         "    dtype (numpy.float32 or numpy.float64, default float32): type of the result\n\n"
         "Returns an lkflow.Flow (u, v, confidence) of arrays of I0's shape: u along columns (x),\n"
         "v along rows (y), in pixels; confidence the smallest eigenvalue of the window-mean\n"
         "structure tensor, (intensity/px)^2. Where it is below min_eigenvalue, u = v = 0.\n"
         "Raises TypeError for other dtypes or mixed dtypes, ValueError for arrays that are not\n"
         "2-D, of different shapes or empty, non-finite pixels and bad parameters, with lkflow's\n"
         "message. The GIL is released while the flow is computed.";
}

std::string pyramid_keywords_doc() {
  return "Keywords (lkflow::PyramidParams; a preset first, then any member given):\n"
         "    preset (str, default 'balanced'): a named parameter set:\n" +
         presets_help() + keywords_help(pyramid_members()) +
         "    dtype (numpy.float32 or numpy.float64, default float32): type of the result\n";
}

std::string pyramidal_flow_doc() {
  return "pyramidal_flow(I0, I1, *, preset='balanced', " + signature_text(pyramid_members()) +
         ", initial=None, dtype='float32')\n--\n\n"
         "Dense pyramidal Lucas-Kanade flow from I0 to I1, coarse to fine with warping, 3x3\n"
         "median and neighbour candidates (details: lkflow/pyramid.hpp and README).\n\n"
         "I0, I1: as for dense_flow (2-D uint8, uint16, float32 or float64 arrays, read in "
         "place).\n" +
         pyramid_keywords_doc() +
         "    initial (lkflow.Flow or (u, v), default None): flow to start from, e.g. the "
         "previous\n"
         "        frame's; only u and v are read (copied). None = zero.\n\n"
         "Returns an lkflow.Flow (u, v, confidence); I1(x + u, y + v) ~= I0(x, y). For a video,\n"
         "PyramidalFlow keeps the buffers between frames. The GIL is released while computing.\n"
         "Raises TypeError and ValueError as dense_flow does, and ValueError for an image too\n"
         "small for `levels` or an initial flow of another shape.";
}

std::string pyramidal_flow_class_doc() {
  return "PyramidalFlow(*, preset='balanced', " + signature_text(pyramid_members()) +
         ", warm_start=True, dtype='float32')\n\n"
         "pyramidal_flow for a stream of frames. It keeps the pyramids and other buffers and the\n"
         "last flow between calls: a frame of an unchanged size allocates nothing but the\n"
         "returned arrays (nothing at all when calc writes into `out`).\n\n" +
         pyramid_keywords_doc() +
         "    warm_start (bool, default True): calc starts from the last flow when the frames\n"
         "        keep their size (see calc)\n\n"
         "Example:\n"
         "    flow = lkflow.PyramidalFlow(preset='balanced', threads=0)\n"
         "    result = None\n"
         "    for previous, frame in zip(frames, frames[1:]):\n"
         "        result = flow.calc(previous, frame, out=result)  # reuses the arrays\n"
         "        u, v, confidence = result\n";
}

std::string calc_doc() {
  return "calc($self, I0, I1, *, initial=None, out=None)\n--\n\n"
         "The flow from I0 to I1 (2-D uint8, uint16, float32 or float64 arrays, read in place),\n"
         "as pyramidal_flow with this object's parameters.\n\n"
         "initial (lkflow.Flow or (u, v), default None): flow to start from. None = the last\n"
         "    call's flow when warm_start is on and the frames have its size, else zero.\n"
         "out (lkflow.Flow, default None): an earlier result of the same shape and dtype whose\n"
         "    arrays are overwritten and returned, so that nothing is allocated. None = new "
         "arrays.\n\n"
         "Returns an lkflow.Flow (u, v, confidence). Calls from several threads on one object run\n"
         "one at a time; use one object per thread to run them in parallel.";
}

}  // namespace
}  // namespace lkflow_python

PYBIND11_MODULE(lkflow, m) {
  using namespace lkflow_python;
  py::options options;
  options.disable_function_signatures();  // each help text starts with its own signature

  m.doc() =
      "lkflow: dense Lucas-Kanade optical flow on numpy arrays (header-only C++ library, "
      "Python module).\n\n"
      "Flow (u, v) at pixel (x, y) of I0 means I1(x + u, y + v) ~= I0(x, y): u along columns (x),\n"
      "v along rows (y), in pixels. Images are 2-D arrays, rows = y.\n\n"
      "    dense_flow(I0, I1)          single scale, motions up to about a pixel\n"
      "    pyramidal_flow(I0, I1)      coarse to fine, larger motions\n"
      "    PyramidalFlow(...).calc     the same for video, reusing buffers between frames\n"
      "    read_flo, write_flo         Middlebury .flo files\n"
      "    flow_to_rgb, flow_errors    Middlebury colour coding; EPE and angular error\n";
  m.attr("__version__") = lkflow::version_string;
  m.attr("unknown_flow_value") = lkflow::unknown_flow_value;

  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  py::object flow =
      namedtuple("Flow", py::make_tuple("u", "v", "confidence"), py::arg("module") = "lkflow");
  flow.attr("__doc__") =
      "A flow field: u, v and confidence, numpy arrays of the images' shape (confidence is None\n"
      "for a flow read from a .flo file). Unpacks as `u, v, confidence = flow`.\n"
      "OpenCV's (H, W, 2) layout: numpy.dstack((flow.u, flow.v)); scikit-image's (2, H, W):\n"
      "numpy.stack((flow.v, flow.u)) (rows first).";
  m.attr("Flow") = flow;
  flow_type = flow.release();  // kept for the interpreter's life

  py::register_exception<lkflow::FileError>(m, "FileError", PyExc_OSError).doc() =
      "A file could not be read or written, or its content is not a valid .flo file; the message "
      "is 'lkflow::FUNCTION: PATH: REASON'.";

  m.def("dense_flow", &dense_flow, py::arg("I0"), py::arg("I1"), dense_flow_doc().c_str());
  m.def("pyramidal_flow", &pyramidal_flow, py::arg("I0"), py::arg("I1"),
        pyramidal_flow_doc().c_str());

  py::class_<PyramidalFlow>(m, "PyramidalFlow", pyramidal_flow_class_doc().c_str())
      .def(py::init(
          [](const py::kwargs& kwargs) { return std::make_unique<PyramidalFlow>(kwargs); }))
      .def("calc", &PyramidalFlow::calc, py::arg("I0"), py::arg("I1"), py::kw_only(),
           py::arg("initial") = py::none(), py::arg("out") = py::none(), calc_doc().c_str())
      .def("reset", &PyramidalFlow::reset,
           "reset($self)\n--\n\nForget the last flow: the next calc starts from zero.")
      .def_property_readonly("params", &PyramidalFlow::params,
                             "The parameters, as a dict of PyramidParams' members.")
      .def_property_readonly("dtype", &PyramidalFlow::dtype, "The type of the results.")
      .def_property_readonly("warm_start", &PyramidalFlow::warm_start,
                             "Whether calc starts from the last flow.")
      .def("__repr__", [](const PyramidalFlow& self) {
        std::string text = "lkflow.PyramidalFlow(";
        for (const auto& item : self.params())
          text += py::str(item.first).cast<std::string>() + "=" + repr_text(item.second) + ", ";
        return text + "warm_start=" + (self.warm_start() ? "True" : "False") + ", dtype='" +
               py::str(self.dtype()).cast<std::string>() + "')";
      });

  m.def("pyramid_params", &pyramid_params, py::arg("preset") = py::none(),
        ("pyramid_params(preset=None, **members)\n--\n\n"
         "The parameters pyramidal_flow would use, as a dict: the preset's (None = 'balanced'),\n"
         "then the members given. Presets:\n" +
         presets_help())
            .c_str());
  m.def("dense_params", &dense_params,
        "dense_params(**members)\n--\n\nThe parameters dense_flow would use, as a dict.");

  m.def("read_flo", &read_flo, py::arg("path"),
        "read_flo(path)\n--\n\n"
        "Reads a Middlebury .flo file. Returns an lkflow.Flow (u, v, None) of float32 arrays;\n"
        "unknown vectors keep their stored values (about 1e10). Raises lkflow.FileError (an\n"
        "OSError) naming the file and the reason: missing, unreadable, not a .flo file, a size\n"
        "out of range, truncated or extra bytes.");
  m.def("write_flo", &write_flo, py::arg("path"), py::arg("flow"),
        "write_flo(path, flow)\n--\n\n"
        "Writes flow.u and flow.v (an lkflow.Flow or a tuple (u, v) of float32 or float64 arrays)\n"
        "to a .flo file as float32. The file is written under a temporary name and renamed once\n"
        "complete: a failure never leaves a partial file. Raises lkflow.FileError naming the\n"
        "path and the reason, ValueError for fields of different shapes or empty ones.");
  m.def("flow_to_rgb", &flow_to_rgb, py::arg("flow"), py::arg("max_radius") = 0.0,
        "flow_to_rgb(flow, max_radius=0.0)\n--\n\n"
        "The Middlebury colour coding of flow.u, flow.v as a (rows, cols, 3) uint8 RGB array:\n"
        "hue from the direction (right red, down yellow, left blue, up violet), saturation from\n"
        "|flow| / max_radius (white at 0; longer vectors dimmed); unknown vectors black.\n"
        "max_radius in pixels; 0 = the largest known vector's length.");
  m.def(
      "color_wheel_legend", [](int size) { return rgb_array(lkflow::color_wheel_legend(size)); },
      py::arg("size") = 151,
      "color_wheel_legend(size=151)\n--\n\n"
      "The legend of flow_to_rgb's colours as a (size, size, 3) uint8 RGB array: the pixel at\n"
      "(dx, dy) from the centre has the colour of the flow (dx, dy) / ((size - 1) / 2) * "
      "max_radius,\n"
      "so the inscribed circle is |flow| = max_radius. Raises ValueError for size < 3.");
  m.def("flow_errors", &flow_errors, py::arg("estimate"), py::arg("truth"),
        "flow_errors(estimate, truth)\n--\n\n"
        "Errors of `estimate` against ground truth `truth` (each an lkflow.Flow or (u, v)) at the\n"
        "pixels whose truth is known, as in the Middlebury evaluation: an lkflow.FlowErrors.");
  m.def("pyramid_levels", &lkflow::pyramid_levels, py::arg("rows"), py::arg("cols"),
        py::arg("levels") = 0,
        "pyramid_levels(rows, cols, levels=0)\n--\n\n"
        "The number of pyramid levels pyramidal_flow uses for images of rows x cols and the\n"
        "`levels` parameter (0 = as many as fit). Raises ValueError when it cannot be used.");

  py::class_<lkflow::FlowErrors>(m, "FlowErrors",
                                 "Errors of a flow against ground truth (lkflow.flow_errors). "
                                 "Means and shares are NaN when no pixel is scored.")
      .def_readonly("epe", &lkflow::FlowErrors::epe, "mean endpoint error, pixels")
      .def_readonly("angular_error", &lkflow::FlowErrors::angular_error,
                    "mean angular error, degrees")
      .def_readonly("over_1px", &lkflow::FlowErrors::over_1px,
                    "share of scored pixels with endpoint error > 1 px, [0, 1]")
      .def_readonly("over_3px", &lkflow::FlowErrors::over_3px,
                    "share of scored pixels with endpoint error > 3 px, [0, 1]")
      .def_readonly("scored", &lkflow::FlowErrors::scored,
                    "pixels scored: those whose ground truth is known")
      .def("__repr__", [](const lkflow::FlowErrors& e) {
        return "lkflow.FlowErrors(epe=" + repr_text(py::float_(e.epe)) +
               ", angular_error=" + repr_text(py::float_(e.angular_error)) +
               ", over_1px=" + repr_text(py::float_(e.over_1px)) +
               ", over_3px=" + repr_text(py::float_(e.over_3px)) +
               ", scored=" + std::to_string(e.scored) + ")";
      });
}
