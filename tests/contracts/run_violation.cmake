# Runs PROGRAM CASE (violations.cpp) and passes when it stopped with lkflow's message for a
# violated contract naming MESSAGE (cmake -P driver for CTest).
cmake_minimum_required(VERSION 3.21)
execute_process(COMMAND "${PROGRAM}" "${CASE}" RESULT_VARIABLE result OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
string(FIND "${err}" "lkflow: internal contract violated at " at)
string(FIND "${err}" "${MESSAGE}" named)
if(result EQUAL 0 OR at EQUAL -1 OR named EQUAL -1)
  message(FATAL_ERROR "${CASE}: expected an abort naming \"${MESSAGE}\", got exit ${result}\n"
                      "--- stdout ---\n${out}\n--- stderr ---\n${err}")
endif()
