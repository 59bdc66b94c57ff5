# One line per unit test: the modules it links (data-flow order).
lg_unit_test(units    MODULES core)
lg_unit_test(template MODULES core scenario)
lg_unit_test(container MODULES core container TIMEOUT 120 LABELS root)
add_dependencies(test_container oom_hog forker)
lg_unit_test(csv_writer MODULES core series)
lg_unit_test(result   MODULES core result LIBS PkgConfig::JANSSON)
lg_unit_test(scenario MODULES core scenario)
