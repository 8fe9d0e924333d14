# Runs the example-data generator into OUT and checks that it reproduces EXPECTED byte for byte.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
execute_process(COMMAND "${GENERATOR}" "${OUT}" RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "the generator failed with exit code ${code}")
endif()
foreach(name frame0.png frame1.png truth.flo)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${OUT}/${name}" "${EXPECTED}/${name}"
                  RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${name} differs from the committed examples/data/${name}")
  endif()
endforeach()
