// The keyword arguments of the Python functions that set lkflow's parameter structs. Each member
// of DenseParams and PyramidParams is one line of a table below, which both parses keywords
// into the struct and writes the help text, so that a new member, or a new PyramidParams preset,
// is a one-line change here.
#pragma once

#include <climits>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>

#include <lkflow/params.hpp>

namespace lkflow_python {

namespace py = pybind11;

/// repr(obj), as a C++ string.
inline std::string repr_text(py::handle obj) { return py::repr(obj).cast<std::string>(); }

/// One keyword argument: a member of the parameter struct P, with its help text.
template <class P>
struct Member {
  const char* name;
  std::variant<int P::*, double P::*, bool P::*> field;
  const char* help;
};

/// DenseParams as keywords of dense_flow.
inline const std::vector<Member<lkflow::DenseParams>>& dense_members() {
  using P = lkflow::DenseParams;
  static const std::vector<Member<P>> members{
      {"radius", &P::radius, "window radius r >= 1: (2r+1) x (2r+1) windows"},
      {"min_eigenvalue", &P::min_eigenvalue,
       "smallest eigenvalue of the window-mean structure tensor, in (intensity/px)^2 with integer "
       "pixels scaled to [0, 1], below which a window's flow is set to 0; >= 0"},
      {"threads", &P::threads, "worker threads, >= 0, 0 = all cores; the flow never depends on it"},
  };
  return members;
}

/// PyramidParams as keywords of pyramidal_flow and PyramidalFlow.
inline const std::vector<Member<lkflow::PyramidParams>>& pyramid_members() {
  using P = lkflow::PyramidParams;
  static const std::vector<Member<P>> members{
      {"radius", &P::radius, "window radius r >= 1 at every level: (2r+1) x (2r+1) windows"},
      {"levels", &P::levels,
       "pyramid levels, the input's own included; 0 = as many as fit (coarse levels without "
       "structure are passed over), 1 = single scale"},
      {"iterations", &P::iterations, "warps per level, >= 1"},
      {"coarse_iterations", &P::coarse_iterations,
       "warps at the two coarsest levels refined, >= 1 (at least `iterations`): large motions"},
      {"min_eigenvalue", &P::min_eigenvalue,
       "as in dense_flow; a rejected window takes the flow around it (the fill), or keeps the "
       "flow of the coarser level (or the initial flow) when the fill is off"},
      {"median", &P::median, "3x3 median of u and v after every iteration"},
      {"neighbor_candidates", &P::neighbor_candidates,
       "after each level, every pixel may take a neighbour's flow that fits it better (restores "
       "motion boundaries)"},
      {"candidate_min_change", &P::candidate_min_change,
       "a neighbour's flow competes only where it differs from the pixel's own by more than "
       "this, in px of the level; >= 0, lower: more accurate on curved flows, slower"},
      {"candidates_every_iteration", &P::candidates_every_iteration,
       "neighbour candidates after every warp of a level, not only after its last"},
      {"fill_strength", &P::fill_strength,
       "confidence-weighted fill after each level: windows whose flow is mostly the frames' "
       "noise (flat sky, walls) take the motion around them; >= 0, 0 = off"},
      {"threads", &P::threads, "worker threads, >= 0, 0 = all cores; the flow never depends on it"},
  };
  return members;
}

/// One of PyramidParams' presets, by the name of its static function.
struct Preset {
  const char* name;
  lkflow::PyramidParams (*make)();
  const char* help;
};

/// The presets, fastest first; "balanced" is the defaults.
inline const std::vector<Preset>& presets() {
  static const std::vector<Preset> table{
      {"ultrafast", lkflow::PyramidParams::ultrafast,
       "the fastest: no neighbour candidates, no fill"},
      {"fast", lkflow::PyramidParams::fast, "no median, no fill"},
      {"balanced", lkflow::PyramidParams::balanced, "the defaults"},
      {"accurate", lkflow::PyramidParams::accurate,
       "the most accurate: 2 warps per level, neighbour candidates after each from flows 0.1 px "
       "apart, fill_strength 3000"},
  };
  return table;
}

/// The keyword `name` of `func` as the type of the member it sets. Integers must be integers
/// (Python int or numpy integer, not bool or float), booleans must be bool or numpy.bool_,
/// reals any number but bool.
template <class T>
T keyword_value(const char* func, const char* name, py::handle value) {
  const auto fail = [&](const char* wanted) {
    throw py::type_error(std::string(func) + ": " + name + " must be " + wanted + ", got " +
                         repr_text(value) + " (" +
                         py::str(py::type::of(value).attr("__name__")).cast<std::string>() + ")");
  };
  const bool is_bool = py::isinstance<py::bool_>(value) ||
                       py::isinstance(value, py::module_::import("numpy").attr("bool_"));
  if constexpr (std::is_same_v<T, bool>) {
    if (!is_bool) fail("True or False");
    return PyObject_IsTrue(value.ptr()) == 1;
  } else if constexpr (std::is_same_v<T, int>) {
    if (is_bool || PyIndex_Check(value.ptr()) == 0) fail("an integer");
    const py::int_ number = py::reinterpret_steal<py::int_>(PyNumber_Index(value.ptr()));
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(number.ptr(), &overflow);
    if (overflow != 0 || x < INT_MIN || x > INT_MAX)
      throw py::value_error(std::string(func) + ": " + name + " = " + repr_text(value) +
                            " is out of range");
    return static_cast<int>(x);
  } else {
    static_assert(std::is_same_v<T, double>);
    if (is_bool) fail("a number");
    const double x = PyFloat_AsDouble(value.ptr());
    if (x == -1.0 && PyErr_Occurred() != nullptr) {
      PyErr_Clear();
      fail("a number");
    }
    return x;
  }
}

/// Sets the members of `params` named in `keywords`, removing them from it.
template <class P>
void take_members(const char* func, const std::vector<Member<P>>& members, py::dict& keywords,
                  P& params) {
  for (const Member<P>& m : members) {
    if (!keywords.contains(m.name)) continue;
    const py::object value = keywords[m.name];
    std::visit(
        [&](auto field) {
          using T = std::remove_reference_t<decltype(params.*field)>;
          params.*field = keyword_value<T>(func, m.name, value);
        },
        m.field);
    PyDict_DelItemString(keywords.ptr(), m.name);
  }
}

/// TypeError naming the first keyword left in `keywords` (one no table took).
inline void reject_unknown(const char* func, const py::dict& keywords, const std::string& known) {
  for (const auto& item : keywords)
    throw py::type_error(std::string(func) + "() got an unexpected keyword argument " +
                         repr_text(item.first) + "; its keywords are " + known);
}

/// Removes `name` from `keywords` and returns its value, or None.
inline py::object pop(py::dict& keywords, const char* name) {
  if (!keywords.contains(name)) return py::none();
  py::object value = keywords[name];
  PyDict_DelItemString(keywords.ptr(), name);
  return value;
}

/// The parameters of `preset` ("ultrafast", "fast", "balanced", "accurate"; None = balanced).
inline lkflow::PyramidParams preset_params(const char* func, py::handle preset) {
  if (preset.is_none()) return lkflow::PyramidParams{};
  std::string names;
  for (const Preset& p : presets()) names += std::string(names.empty() ? "" : ", ") + p.name;
  if (!py::isinstance<py::str>(preset))
    throw py::type_error(std::string(func) + ": preset must be a str (" + names + "), got " +
                         repr_text(preset));
  const std::string name = preset.cast<std::string>();
  for (const Preset& p : presets())
    if (name == p.name) return p.make();
  throw py::value_error(std::string(func) + ": unknown preset '" + name + "'; the presets are " +
                        names);
}

/// A member's value as Python shows it: 6, 1e-06, True.
template <class P>
py::object member_value(const Member<P>& m, const P& params) {
  return std::visit([&](auto field) -> py::object { return py::cast(params.*field); }, m.field);
}

/// The parameters as a dict, in the table's order.
template <class P>
py::dict as_dict(const std::vector<Member<P>>& members, const P& params) {
  py::dict d;
  for (const Member<P>& m : members) d[m.name] = member_value(m, params);
  return d;
}

/// "radius=6, levels=0, ...": the keywords with their defaults, for a signature line.
template <class P>
std::string signature_text(const std::vector<Member<P>>& members) {
  std::string text;
  static const P defaults{};  // static: GCC 12 warns of a non-static one, wrongly
  for (const Member<P>& m : members)
    text +=
        std::string(text.empty() ? "" : ", ") + m.name + "=" + repr_text(member_value(m, defaults));
  return text;
}

/// `line` broken at spaces into lines of at most 88 characters, continued 8 spaces in.
inline std::string wrapped(const std::string& line) {
  constexpr std::size_t width = 88;
  std::string out, rest = line;
  while (rest.size() > width) {
    const std::size_t cut = rest.rfind(' ', width);
    if (cut == std::string::npos || cut <= 8) break;
    out += rest.substr(0, cut) + "\n";
    rest = "        " + rest.substr(cut + 1);
  }
  return out + rest + "\n";
}

/// One line per keyword: "    radius (int, default 6): window radius ...".
template <class P>
std::string keywords_help(const std::vector<Member<P>>& members) {
  std::ostringstream text;
  static const P defaults{};  // static: GCC 12 warns of a non-static one, wrongly
  for (const Member<P>& m : members) {
    const char* type = std::visit(
        [](auto field) {
          using T = std::remove_reference_t<decltype(std::declval<P>().*field)>;
          return std::is_same_v<T, bool> ? "bool" : std::is_same_v<T, int> ? "int" : "float";
        },
        m.field);
    text << wrapped("    " + std::string(m.name) + " (" + type + ", default " +
                    repr_text(member_value(m, defaults)) + "): " + m.help);
  }
  return text.str();
}

/// The presets, one per line, for help texts.
inline std::string presets_help() {
  std::ostringstream text;
  for (const Preset& p : presets()) text << "        '" << p.name << "': " << p.help << "\n";
  return text.str();
}

}  // namespace lkflow_python
