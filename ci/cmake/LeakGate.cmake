# LeakGate.cmake - `make leakcheck` for a C/C++ project: build the service,
# run its leakgate scenarios, fail the build on a leak.
#
#   find_package(LeakGate REQUIRED)      # installed leakgate (includes this)
#   # or: list(APPEND CMAKE_MODULE_PATH /path/to/leakgate/ci/cmake)
#   #     include(LeakGate)               # with leakgate on PATH or
#   #                                     # LEAKGATE_EXECUTABLE set
#   add_executable(api src/api.c)
#   leakgate_add_scenario(api-items tests/leak/items.yaml DEPENDS api)
#
#   make leakcheck                       # or: cmake --build . --target leakcheck
#   make leakcheck_api-items             # one scenario
#
# leakgate_add_scenario(NAME SCENARIO
#                       [DEPENDS target...]     built before the run
#                       [SERVICE target]        its file replaces service.command[0]
#                                               (default: the first executable
#                                               in DEPENDS; NO_SERVICE to keep
#                                               the scenario's own command)
#                       [PROFILE name]          --profile name (e.g. soak)
#                       [BASELINE file]         --baseline file
#                       [OUT dir]               default <build>/leakgate-out/NAME
#                       [WORKING_DIRECTORY dir] default the current source dir
#                       [ARGS arg...])          more `leakgate run` arguments
#
# Each scenario is a target leakcheck_NAME running
#   leakgate run SCENARIO --out OUT --junit OUT/junit.xml [--set
#   service.command.0='<target file>'] [--profile P] [--baseline B] ARGS...
# and `leakcheck` depends on all of them. The build fails with leakgate's exit
# code: 1 leak/regression/OOM, 3 inconclusive (a scenario may set
# analysis.on_inconclusive: pass), 4 infrastructure, 2 bad scenario. `make -k
# leakcheck` runs every scenario even after a failure. With Ninja the
# scenarios run in the console pool (USES_TERMINAL: one at a time, live
# progress); with make -jN they may run at once (leakgate judges growth per request, so a busier
# machine is slower, not leakier, but keep long soaks to -j1).
# Scenario targets are not part of `all`: a plain build never runs them.

if(COMMAND leakgate_add_scenario)
  return()
endif()

if(NOT LEAKGATE_EXECUTABLE)
  find_program(LEAKGATE_EXECUTABLE leakgate
               HINTS ${CMAKE_CURRENT_LIST_DIR}/../../build
               DOC "the leakgate command")
endif()

function(leakgate_add_scenario name scenario)
  cmake_parse_arguments(LG "NO_SERVICE" "SERVICE;PROFILE;BASELINE;OUT;WORKING_DIRECTORY"
                        "DEPENDS;ARGS" ${ARGN})
  if(LG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "leakgate_add_scenario(${name}): unknown arguments: ${LG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9_.+-]+$")
    message(FATAL_ERROR "leakgate_add_scenario: NAME '${name}' must be letters, digits, . _ + -")
  endif()
  if(NOT LEAKGATE_EXECUTABLE)
    message(FATAL_ERROR "leakgate_add_scenario(${name}): the leakgate command was not found; "
                        "install leakgate (find_package(LeakGate)) or set LEAKGATE_EXECUTABLE")
  endif()
  get_filename_component(scenario "${scenario}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${scenario}")
    message(FATAL_ERROR "leakgate_add_scenario(${name}): ${scenario} does not exist")
  endif()
  if(NOT LG_OUT)
    set(LG_OUT "${CMAKE_BINARY_DIR}/leakgate-out/${name}")
  endif()
  if(NOT LG_WORKING_DIRECTORY)
    set(LG_WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  # The service: SERVICE, else the first executable among DEPENDS.
  if(NOT LG_SERVICE AND NOT LG_NO_SERVICE)
    foreach(dep IN LISTS LG_DEPENDS)
      if(TARGET ${dep})
        get_target_property(kind ${dep} TYPE)
        if(kind STREQUAL "EXECUTABLE")
          set(LG_SERVICE ${dep})
          break()
        endif()
      endif()
    endforeach()
  endif()
  set(cmd "${LEAKGATE_EXECUTABLE}" run "${scenario}" --out "${LG_OUT}"
      --junit "${LG_OUT}/junit.xml")
  if(LG_SERVICE AND NOT LG_NO_SERVICE)
    # YAML single quotes: the path is one string whatever it holds.
    list(APPEND cmd --set "service.command.0='$<TARGET_FILE:${LG_SERVICE}>'")
  endif()
  if(LG_PROFILE)
    list(APPEND cmd --profile "${LG_PROFILE}")
  endif()
  if(LG_BASELINE)
    get_filename_component(LG_BASELINE "${LG_BASELINE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND cmd --baseline "${LG_BASELINE}")
  endif()
  list(APPEND cmd ${LG_ARGS})
  add_custom_target(leakcheck_${name}
    COMMAND ${cmd}
    WORKING_DIRECTORY "${LG_WORKING_DIRECTORY}"
    COMMENT "leakgate: scenario ${name} (${scenario})"
    USES_TERMINAL
    VERBATIM)
  foreach(dep IN LISTS LG_DEPENDS LG_SERVICE)
    if(TARGET ${dep})
      add_dependencies(leakcheck_${name} ${dep})
    endif()
  endforeach()
  if(NOT TARGET leakcheck)
    add_custom_target(leakcheck COMMENT "leakgate: all scenarios passed")
  endif()
  add_dependencies(leakcheck leakcheck_${name})
endfunction()
