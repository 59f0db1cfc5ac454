package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import java.util.Map;

/**
 * An independent, deliberately naive Gemma forward pass in plain Java doubles, written from the paper and
 * gemma_pytorch's model.py (not from the ND4J code): loops over tokens, heads and features, explicit
 * repeat_interleave of KV heads, rotate-half RoPE from complex pairs, tanh-GELU from its formula.
 */
final class ReferenceGemma {
    private final GemmaConfig c;
    private final Map<String, double[]> w;

    /** @param weights Hugging Face tensor name -> row-major values */
    ReferenceGemma(GemmaConfig config, Map<String, double[]> weights) {
        this.c = config;
        this.w = weights;
    }

    /** Logits [T][vocab] of one sequence at positions 0..T-1. */
    double[][] logits(int[] ids) {
        int[] positions = new int[ids.length];
        for (int t = 0; t < ids.length; t++) {
            positions[t] = t;
        }
        return logits(ids, positions);
    }

    double[][] logits(int[] ids, int[] positions) {
        return matmulT(hidden(ids, positions), w.get("model.embed_tokens.weight"), c.vocabSize());
    }

    /** Final-norm hidden states [T][hidden] (what the output embedding or a reward head reads). */
    double[][] hidden(int[] ids, int[] positions) {
        int T = ids.length;
        int d = c.hiddenSize();
        double[] embed = w.get("model.embed_tokens.weight");
        double[][] x = new double[T][d];
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < d; i++) {
                x[t][i] = embed[ids[t] * d + i] * Math.sqrt(d);
            }
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] a = rmsNorm(x, w.get(p + "input_layernorm.weight"));
            double[][] attn = attention(a, positions, p);
            double[][] o = matmulT(attn, w.get(p + "self_attn.o_proj.weight"), d);
            add(x, o);
            double[][] a2 = rmsNorm(x, w.get(p + "post_attention_layernorm.weight"));
            double[][] gate = matmulT(a2, w.get(p + "mlp.gate_proj.weight"), c.intermediateSize());
            double[][] up = matmulT(a2, w.get(p + "mlp.up_proj.weight"), c.intermediateSize());
            for (int t = 0; t < T; t++) {
                for (int j = 0; j < c.intermediateSize(); j++) {
                    gate[t][j] = gelu(gate[t][j]) * up[t][j];
                }
            }
            add(x, matmulT(gate, w.get(p + "mlp.down_proj.weight"), d));
        }
        return rmsNorm(x, w.get("model.norm.weight"));
    }

    private double[][] attention(double[][] a, int[] positions, String p) {
        int T = a.length;
        int H = c.numAttentionHeads();
        int KV = c.numKeyValueHeads();
        int hd = c.headDim();
        double[][] q = matmulT(a, w.get(p + "self_attn.q_proj.weight"), H * hd);
        double[][] k = matmulT(a, w.get(p + "self_attn.k_proj.weight"), KV * hd);
        double[][] v = matmulT(a, w.get(p + "self_attn.v_proj.weight"), KV * hd);
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) {
                rotate(q[t], h * hd, positions[t]);
            }
            for (int h = 0; h < KV; h++) {
                rotate(k[t], h * hd, positions[t]);
            }
        }
        double scale = 1.0 / Math.sqrt(hd);
        double[][] out = new double[T][H * hd];
        for (int h = 0; h < H; h++) {
            int kvHead = h / (H / KV);
            for (int t = 0; t < T; t++) {
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[t][h * hd + e] * scale * k[s][kvHead * hd + e];
                    }
                    scores[s] = dot;
                    max = Math.max(max, dot);
                }
                double sum = 0;
                for (int s = 0; s <= t; s++) {
                    scores[s] = Math.exp(scores[s] - max);
                    sum += scores[s];
                }
                for (int s = 0; s <= t; s++) {
                    for (int e = 0; e < hd; e++) {
                        out[t][h * hd + e] += scores[s] / sum * v[s][kvHead * hd + e];
                    }
                }
            }
        }
        return out;
    }

    /** gemma_pytorch: view the halves (x1, x2) as complex x1 + i x2 and multiply by e^{i pos freq}. */
    private void rotate(double[] row, int offset, int pos) {
        int hd = c.headDim();
        int half = hd / 2;
        for (int i = 0; i < half; i++) {
            double freq = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / hd);
            double re = row[offset + i];
            double im = row[offset + i + half];
            double cos = Math.cos(pos * freq);
            double sin = Math.sin(pos * freq);
            row[offset + i] = re * cos - im * sin;
            row[offset + i + half] = re * sin + im * cos;
        }
    }

    private double[][] rmsNorm(double[][] x, double[] weight) {
        double[][] y = new double[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            double ms = 0;
            for (double v : x[t]) {
                ms += v * v;
            }
            ms /= x[t].length;
            double r = 1.0 / Math.sqrt(ms + c.rmsNormEps());
            for (int i = 0; i < x[t].length; i++) {
                y[t][i] = x[t][i] * r * (1 + weight[i]);
            }
        }
        return y;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** x [T][in] times W^T, W row-major [out][in]. */
    private static double[][] matmulT(double[][] x, double[] weight, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += x[t][i] * weight[o * in + i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < x[t].length; i++) {
                x[t][i] += y[t][i];
            }
        }
    }
}
