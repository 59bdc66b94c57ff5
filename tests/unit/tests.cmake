# One line per unit test: the modules it links (data-flow order).
lg_unit_test(units    MODULES core)
lg_unit_test(template MODULES core scenario)
