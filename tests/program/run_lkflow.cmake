# Runs the lkflow program once in a fresh folder and checks what it did (cmake -P driver for
# CTest). Lists are separated by "|" (a ";" would be split by add_test).
#
#   PROGRAM       the program
#   WORKDIR       folder to run in; emptied, then given the fixture files below
#   ARGS          arguments; @WORKDIR@ is replaced by the folder's absolute path
#   EXIT          expected exit code
#   STDOUT_HAS    regular expressions stdout must each match
#   STDERR_HAS    regular expressions stderr must each match; a non-zero EXIT also requires
#                 exactly one line on stderr and nothing on stdout
#   STDERR_MAX_CHARS  the most characters stderr may have
#   STDOUT_EMPTY  if true, stdout must be empty
#   NEW_FILES     the files the run must create: no other file may appear (no temporaries)
#   REPLACED      fixture files the run is expected to change; every other one must keep its
#                 content byte for byte (keep.flo is a sentinel that no failed run may touch)
#   PNG_FILES     files that must start with the PNG signature
#   FILE_SIZES    name=bytes pairs
#   JSON_BELOW    key.path=bound pairs: stdout is parsed as JSON and each value must be < bound
#   JSON_ABOVE    the same with value > bound
#   TEST_FILES    the program that writes the hostile input files (make_test_files.cpp) here
#   FIFO          if true, make a FIFO named "fifo", which must still be one afterwards
#   DEVICE        if true, make a character device "device" (mknod, as /dev/null: needs root)
#   IMMUTABLE     make this file and mark it immutable (chattr +i: needs root and ext2/3/4 or
#                 similar), undone right after the run
#   TMPFS_KB      mount a tmpfs of this many KiB on "small/" (needs root), unmounted right after
#   FILE_SIZE_LIMIT  run the program with files limited to this many 512-byte blocks
#                 (limit_file_size.sh)
# A fixture that the machine cannot make prints "SKIPPED: <reason>" (the test's
# SKIP_REGULAR_EXPRESSION) and checks nothing.
#
# Fixtures: frame0.png, frame1.png, truth.flo (copies of the bundled pair in DATA), small.pgm
# (valid 4x3 gray), truncated.pgm, garbage.png (text), keep.flo (a sentinel), folder/ (an empty
# folder), here (a symbolic link to "."), link.flo -> keep.flo, link.png -> frame1.png, and
# hard.png (a hard link to frame1.png).
cmake_minimum_required(VERSION 3.21)

function(fail message)
  message(FATAL_ERROR "lkflow ${ARGS}:\n${message}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
endfunction()

function(skip reason)
  message("SKIPPED: ${reason}")
endfunction()

string(REPLACE "@WORKDIR@" "${WORKDIR}" ARGS "${ARGS}")
foreach(var ARGS STDOUT_HAS STDERR_HAS NEW_FILES REPLACED PNG_FILES FILE_SIZES JSON_BELOW
            JSON_ABOVE)
  string(REPLACE "|" ";" ${var} "${${var}}")
endforeach()

# What an earlier, interrupted run may have left: an immutable file, a mount.
if(IMMUTABLE AND EXISTS "${WORKDIR}/${IMMUTABLE}")
  execute_process(COMMAND chattr -i "${WORKDIR}/${IMMUTABLE}" ERROR_QUIET)
endif()
if(TMPFS_KB AND EXISTS "${WORKDIR}/small")
  execute_process(COMMAND umount "${WORKDIR}/small" ERROR_QUIET)
endif()

file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}/folder")
file(WRITE "${WORKDIR}/small.pgm" "P5\n4 3\n255\nABCDEFGHIJKL")
file(WRITE "${WORKDIR}/truncated.pgm" "P5\n4 3\n255\nABCDEFG")
file(WRITE "${WORKDIR}/garbage.png" "this is not an image")
file(WRITE "${WORKDIR}/keep.flo" "an existing file that a failed run must leave as it is")
foreach(name frame0.png frame1.png truth.flo)
  file(COPY_FILE "${DATA}/${name}" "${WORKDIR}/${name}")
endforeach()
file(CREATE_LINK . "${WORKDIR}/here" SYMBOLIC)
file(CREATE_LINK keep.flo "${WORKDIR}/link.flo" SYMBOLIC)
file(CREATE_LINK frame1.png "${WORKDIR}/link.png" SYMBOLIC)
file(CREATE_LINK "${WORKDIR}/frame1.png" "${WORKDIR}/hard.png")
if(TEST_FILES)
  execute_process(COMMAND "${TEST_FILES}" "${WORKDIR}" RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${TEST_FILES} failed")
  endif()
endif()
set(special "")
if(FIFO)
  execute_process(COMMAND mkfifo "${WORKDIR}/fifo" RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "mkfifo failed")
  endif()
  list(APPEND special fifo)
endif()
if(DEVICE)
  execute_process(COMMAND mknod "${WORKDIR}/device" c 1 3 RESULT_VARIABLE code
                  OUTPUT_QUIET ERROR_QUIET)
  if(NOT code EQUAL 0)
    skip("mknod needs root")
    return()
  endif()
  list(APPEND special device)
endif()
if(IMMUTABLE)
  file(WRITE "${WORKDIR}/${IMMUTABLE}" "an existing file that cannot be replaced")
  execute_process(COMMAND chattr +i "${WORKDIR}/${IMMUTABLE}" RESULT_VARIABLE code
                  OUTPUT_QUIET ERROR_QUIET)
  if(NOT code EQUAL 0)
    skip("chattr +i needs root and a file system with the immutable attribute")
    return()
  endif()
endif()
if(TMPFS_KB)
  file(MAKE_DIRECTORY "${WORKDIR}/small")
  execute_process(COMMAND mount -t tmpfs -o size=${TMPFS_KB}k tmpfs "${WORKDIR}/small"
                  RESULT_VARIABLE code OUTPUT_QUIET ERROR_QUIET)
  if(NOT code EQUAL 0)
    skip("mounting a tmpfs needs root")
    return()
  endif()
endif()

file(GLOB before RELATIVE "${WORKDIR}" "${WORKDIR}/*")
set(hashed "")
foreach(name IN LISTS before)
  set(path "${WORKDIR}/${name}")
  if(NOT IS_DIRECTORY "${path}" AND NOT IS_SYMLINK "${path}" AND NOT name IN_LIST special)
    file(SHA256 "${path}" hash_${name})
    list(APPEND hashed "${name}")
  endif()
endforeach()

set(command "${PROGRAM}" ${ARGS})
if(FILE_SIZE_LIMIT)
  set(command sh "${CMAKE_CURRENT_LIST_DIR}/limit_file_size.sh" ${FILE_SIZE_LIMIT} ${command})
endif()
execute_process(COMMAND ${command} WORKING_DIRECTORY "${WORKDIR}"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)

# Undo what would outlive the test before anything can fail.
if(IMMUTABLE)
  execute_process(COMMAND chattr -i "${WORKDIR}/${IMMUTABLE}")
endif()
if(TMPFS_KB)
  file(GLOB left_on_tmpfs RELATIVE "${WORKDIR}/small" "${WORKDIR}/small/*")
  execute_process(COMMAND umount "${WORKDIR}/small")
  if(left_on_tmpfs)
    fail("files left on the full file system: ${left_on_tmpfs}")
  endif()
endif()

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
if(STDERR_MAX_CHARS)
  string(LENGTH "${err}" length)
  if(length GREATER STDERR_MAX_CHARS)
    fail("stderr has ${length} characters, more than ${STDERR_MAX_CHARS}")
  endif()
endif()
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

# Exactly the expected files are new; the fixtures are untouched unless expected to change.
file(GLOB after RELATIVE "${WORKDIR}" "${WORKDIR}/*")
set(expected ${before} ${NEW_FILES})
list(REMOVE_DUPLICATES expected)
list(SORT expected)
list(SORT after)
if(NOT after STREQUAL expected)
  fail("files after the run: '${after}', expected '${expected}'")
endif()
foreach(name IN LISTS hashed)
  file(SHA256 "${WORKDIR}/${name}" hash)
  if(name IN_LIST REPLACED AND hash STREQUAL hash_${name})
    fail("${name} should have been replaced")
  elseif(NOT name IN_LIST REPLACED AND NOT hash STREQUAL hash_${name})
    fail("${name} was changed")
  endif()
endforeach()
foreach(name here link.flo link.png)
  if(NOT IS_SYMLINK "${WORKDIR}/${name}")
    fail("${name} is no longer a symbolic link")
  endif()
endforeach()
foreach(kind_name "p;fifo" "c;device")
  list(GET kind_name 0 kind)
  list(GET kind_name 1 name)
  if(name IN_LIST special)
    execute_process(COMMAND test -${kind} "${WORKDIR}/${name}" RESULT_VARIABLE code)
    if(NOT code EQUAL 0)
      fail("${name} was replaced")
    endif()
  endif()
endforeach()

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
