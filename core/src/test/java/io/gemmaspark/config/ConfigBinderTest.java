package io.gemmaspark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigBinderTest {
    enum Mode { FAST, EXACT }

    record Inner(@Range(min = 1, max = 10) int level, @Default("[a, b]") List<String> tags) {
    }

    record Outer(String name, @Default("0.5") double ratio, Mode mode, Inner inner,
                 @Default("{}") Map<String, Integer> weights, @Default("null") String optional) {
    }

    private static Outer bind(String yaml, String... overrides) {
        ConfigTree tree = ConfigTree.parseString(yaml, "test.yaml");
        for (String o : overrides) {
            tree.withOverride(o);
        }
        return ConfigBinder.bind(tree, "test.yaml", Outer.class);
    }

    @Test
    void bindsNestedRecordsDefaultsEnumsAndMaps() {
        Outer o = bind("name: x\nmode: exact\ninner:\n  level: 3\nweights: {hq: 2, lq: 1}\n");
        assertEquals("x", o.name());
        assertEquals(0.5, o.ratio());
        assertEquals(Mode.EXACT, o.mode());
        assertEquals(3, o.inner().level());
        assertEquals(List.of("a", "b"), o.inner().tags());
        assertEquals(Map.of("hq", 2, "lq", 1), o.weights());
        assertNull(o.optional());
    }

    @Test
    void setOverridesAnyKeyIncludingNestedOnes() {
        Outer o = bind("name: x\nmode: fast\ninner:\n  level: 3\n", "inner.level=7", "ratio=0.25", "inner.tags=[q]");
        assertEquals(7, o.inner().level());
        assertEquals(0.25, o.ratio());
        assertEquals(List.of("q"), o.inner().tags());
    }

    @Test
    void unknownKeyNamesFileLineAndKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> bind("name: x\nmode: fast\ninner:\n  level: 3\n  levle: 4\n"));
        assertEquals("test.yaml:5: key 'inner.levle': unknown key; expected one of level, tags", e.getMessage());
    }

    @Test
    void wrongTypeNamesExpectedType() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> bind("name: x\nmode: fast\ninner:\n  level: three\n"));
        assertEquals("test.yaml:4: key 'inner.level': expected an integer, got 'three'", e.getMessage());
    }

    @Test
    void outOfRangeAndBadEnumAndMissingKey() {
        assertEquals("--set inner.level=11: key 'inner.level': value 11 is out of range [1, 10]",
                assertThrows(ConfigException.class,
                        () -> bind("name: x\nmode: fast\ninner:\n  level: 3\n", "inner.level=11")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> bind("name: x\nmode: slow\ninner: {level: 1}\n"))
                .getMessage().contains("key 'mode': expected one of fast, exact, got 'slow'"));
        assertTrue(assertThrows(ConfigException.class, () -> bind("name: x\ninner: {level: 1}\n"))
                .getMessage().contains("key 'mode': missing required key"));
    }

    @Test
    void invalidYamlNamesLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> bind("name: x\n  bad: [\n"));
        assertTrue(e.getMessage().startsWith("test.yaml:"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
