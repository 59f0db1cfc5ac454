package io.gemmaspark.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongIntHashMapTest {
    @Test
    void agreesWithHashMapThroughGrowthIncludingTheEmptyMarkerKey() {
        LongIntHashMap map = new LongIntHashMap(2);
        Map<Long, Integer> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            long key = i % 97 == 0 ? 0L : random.nextLong(-5000, 5000) * 0x1_0000_0001L;
            int expected = reference.merge(key, 1, Integer::sum);
            assertEquals(expected, map.increment(key));
        }
        assertEquals(reference.size(), map.size());
        reference.forEach((k, v) -> assertEquals(v, map.count(k)));
        assertEquals(-1, map.get(12345L, -1));
    }

    @Test
    void putIfAbsentKeepsTheFirstValueAndPutReplaces() {
        LongIntHashMap map = new LongIntHashMap(4);
        long key = LongIntHashMap.pair(0, 0);
        assertTrue(map.putIfAbsent(key, 3));
        assertFalse(map.putIfAbsent(key, 4));
        assertEquals(3, map.get(key, -1));
        map.put(key, 5);
        assertEquals(5, map.get(key, -1));
        assertEquals(LongIntHashMap.pair(1, -1), (1L << 32) | 0xFFFFFFFFL);
        map.clear();
        assertFalse(map.contains(key));
        assertEquals(0, map.size());
    }

    @Test
    void sha256HexOfTextBytesAndStreamAgree() throws Exception {
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertEquals(abc, Sha256.hex("abc"));
        assertEquals(abc, Sha256.hex(new java.io.ByteArrayInputStream("abc".getBytes("UTF-8"))));
    }
}
