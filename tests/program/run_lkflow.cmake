# Runs the lkflow program once in a fresh folder and checks what it did (cmake -P driver for
# CTest). Lists are separated by "|" (a ";" would be split by add_test).
#
#   PROGRAM       the program
#   WORKDIR       folder to run in; emptied, then given the fixture files below
#   ARGS          arguments
#   EXIT          expected exit code
#   STDOUT_HAS    regular expressions stdout must each match
#   STDERR_HAS    regular expressions stderr must each match; a non-zero EXIT also requires
#                 exactly one line on stderr and nothing on stdout
#   STDOUT_EMPTY  if true, stdout must be empty
#   NEW_FILES     the files the run must create: no other file may appear (no temporaries)
#   PNG_FILES     files that must start with the PNG signature
#   FILE_SIZES    name=bytes pairs
#   JSON_BELOW    key.path=bound pairs: stdout is parsed as JSON and each value must be < bound
#   JSON_ABOVE    the same with value > bound
#   SENTINEL_REPLACED  if true, the run is expected to replace keep.flo (e.g. -o keep.flo)
#
# Fixtures: small.pgm (valid 4x3 gray), truncated.pgm, garbage.png (text), keep.flo (a
# sentinel that must never change) and folder/ (an empty folder).
cmake_minimum_required(VERSION 3.21)

function(fail message)
  message(FATAL_ERROR "lkflow ${ARGS}:\n${message}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
endfunction()

foreach(var ARGS STDOUT_HAS STDERR_HAS NEW_FILES PNG_FILES FILE_SIZES JSON_BELOW JSON_ABOVE)
  string(REPLACE "|" ";" ${var} "${${var}}")
endforeach()

file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}/folder")
file(WRITE "${WORKDIR}/small.pgm" "P5\n4 3\n255\nABCDEFGHIJKL")
file(WRITE "${WORKDIR}/truncated.pgm" "P5\n4 3\n255\nABCDEFG")
file(WRITE "${WORKDIR}/garbage.png" "this is not an image")
set(sentinel "an existing file that a failed run must leave as it is")
file(WRITE "${WORKDIR}/keep.flo" "${sentinel}")
file(GLOB before RELATIVE "${WORKDIR}" "${WORKDIR}/*")

execute_process(COMMAND "${PROGRAM}" ${ARGS} WORKING_DIRECTORY "${WORKDIR}"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)

if(NOT code STREQUAL "${EXIT}")
  fail("exit code ${code}, expected ${EXIT}")
endif()
foreach(regex IN LISTS STDOUT_HAS)
  if(NOT out MATCHES "${regex}")
    fail("stdout does not match '${regex}'")
  endif()
endforeach()
foreach(regex IN LISTS STDERR_HAS)
  if(NOT err MATCHES "${regex}")
    fail("stderr does not match '${regex}'")
  endif()
endforeach()
if(STDOUT_EMPTY AND NOT out STREQUAL "")
  fail("stdout should be empty")
endif()
if(NOT EXIT EQUAL 0)
  if(NOT err MATCHES "^lkflow: [^\n]+\n$")
    fail("an error must be one line on stderr starting with 'lkflow: '")
  endif()
  if(NOT out STREQUAL "")
    fail("an error must print nothing on stdout")
  endif()
endif()

# Exactly the expected files are new; the sentinel is untouched.
file(GLOB after RELATIVE "${WORKDIR}" "${WORKDIR}/*")
set(expected ${before} ${NEW_FILES})
list(REMOVE_DUPLICATES expected)
list(SORT expected)
list(SORT after)
if(NOT after STREQUAL expected)
  fail("files after the run: '${after}', expected '${expected}'")
endif()
file(READ "${WORKDIR}/keep.flo" kept)
if(SENTINEL_REPLACED AND kept STREQUAL sentinel)
  fail("keep.flo should have been replaced")
elseif(NOT SENTINEL_REPLACED AND NOT kept STREQUAL sentinel)
  fail("keep.flo was changed")
endif()

foreach(name IN LISTS PNG_FILES)
  file(READ "${WORKDIR}/${name}" signature LIMIT 8 HEX)
  if(NOT signature STREQUAL "89504e470d0a1a0a")
    fail("${name} is not a PNG file (starts with ${signature})")
  endif()
endforeach()
foreach(pair IN LISTS FILE_SIZES)
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 size)
  file(SIZE "${WORKDIR}/${name}" actual)
  if(NOT actual EQUAL size)
    fail("${name} is ${actual} bytes, expected ${size}")
  endif()
endforeach()

foreach(kind BELOW ABOVE)
  foreach(pair IN LISTS JSON_${kind})
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 key)
    list(GET pair 1 bound)
    string(REPLACE "." ";" path "${key}")
    string(JSON value ERROR_VARIABLE json_error GET "${out}" ${path})
    if(json_error)
      fail("stdout is not JSON with ${key}: ${json_error}")
    endif()
    if(kind STREQUAL "BELOW" AND NOT value LESS bound)
      fail("${key} = ${value}, expected < ${bound}")
    elseif(kind STREQUAL "ABOVE" AND NOT value GREATER bound)
      fail("${key} = ${value}, expected > ${bound}")
    endif()
    message(STATUS "${key} = ${value}")
  endforeach()
endforeach()
