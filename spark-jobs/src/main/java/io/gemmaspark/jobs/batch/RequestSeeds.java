package io.gemmaspark.jobs.batch;

import java.nio.charset.StandardCharsets;

/**
 * A request's sampling seed from the job's seed and the request's id, so a request samples the same tokens on any
 * worker, in any partition, in any run.
 */
final class RequestSeeds {
    private RequestSeeds() {
    }

    static long of(long jobSeed, String id) {
        long hash = 0xcbf29ce484222325L;                       // FNV-1a over the id's UTF-8 bytes
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return splitMix(hash ^ splitMix(jobSeed));
    }

    private static long splitMix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
