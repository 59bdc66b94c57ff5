# LeakGate.cmake - `make leakcheck` for a C/C++ project: build the service,
# run its leakgate scenarios, fail the build on a leak.
#
# Three ways to get it (each tested from an empty build dir):
#   find_package(LeakGate REQUIRED)      # installed: CMAKE_PREFIX_PATH=<prefix>
#                                        # or a build tree: -DLeakGate_DIR=<build>
#   add_subdirectory(leakgate)           # vendored (a submodule): the in-tree
#   include(LeakGate)                    # leakgate_cli target runs the scenarios
#                                        # and is built before them
#   # or, with leakgate on PATH (or LEAKGATE_EXECUTABLE set):
#   #     list(APPEND CMAKE_MODULE_PATH /path/to/leakgate/ci/cmake)
#   #     include(LeakGate)
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

# The command, in this order: LEAKGATE_EXECUTABLE when the project sets it;
# the LeakGate::leakgate_cli target (the package's imported command, or the
# in-tree target of a vendored leakgate, which is then built before any
# scenario runs); else `leakgate` on PATH. Never a leakgate/build/ beside
# this file: that may be a stale build of another version.

if(COMMAND leakgate_add_scenario)
  return()
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
  set(lg_exe "${LEAKGATE_EXECUTABLE}")
  set(lg_cli_dep "")
  if(NOT lg_exe AND TARGET LeakGate::leakgate_cli)
    set(lg_exe "$<TARGET_FILE:LeakGate::leakgate_cli>")
    get_target_property(lg_aliased LeakGate::leakgate_cli ALIASED_TARGET)
    if(lg_aliased)
      set(lg_cli_dep ${lg_aliased}) # vendored: build it first
    endif()
  endif()
  if(NOT lg_exe)
    find_program(LEAKGATE_EXECUTABLE leakgate DOC "the leakgate command")
    set(lg_exe "${LEAKGATE_EXECUTABLE}")
  endif()
  if(NOT lg_exe)
    message(FATAL_ERROR "leakgate_add_scenario(${name}): the leakgate command was not found: "
                        "find_package(LeakGate) (installed, or -DLeakGate_DIR=<leakgate build dir>), "
                        "add_subdirectory(leakgate) before include(LeakGate), "
                        "leakgate on PATH, or set LEAKGATE_EXECUTABLE")
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
  set(cmd "${lg_exe}" run "${scenario}" --out "${LG_OUT}"
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
  foreach(dep IN LISTS LG_DEPENDS LG_SERVICE lg_cli_dep)
    if(TARGET ${dep})
      add_dependencies(leakcheck_${name} ${dep})
    endif()
  endforeach()
  if(NOT TARGET leakcheck)
    add_custom_target(leakcheck COMMENT "leakgate: all scenarios passed")
  endif()
  add_dependencies(leakcheck leakcheck_${name})
endfunction()
