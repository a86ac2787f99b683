using System.Numerics.Tensors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Trainer.Tests;

/// <summary>
/// A plain managed ViT forward written from the timm description, with no libtorch: the independent computation the
/// TorchSharp model is checked against. One image at a time; row-major float arrays; Linear weights are [out, in].
/// </summary>
public static class ReferenceViT
{
    public static float[] Forward(IReadOnlyDictionary<string, HostTensor> w, ViTConfig c, float[] image)
    {
        int d = c.Dim, p = c.PatchSize, g = c.GridSize, s = c.ImageSize, tokens = c.Tokens;
        var x = new float[tokens][];
        float[] pos = w["pos_embed"].Data;
        x[0] = Add(w["cls_token"].Data, pos.AsSpan(0, d));
        float[] conv = w["patch_embed.proj.weight"].Data, convBias = w["patch_embed.proj.bias"].Data;
        var patch = new float[c.Channels * p * p];
        for (int py = 0; py < g; py++)
            for (int px = 0; px < g; px++)
            {
                int i = 0;
                for (int ch = 0; ch < c.Channels; ch++)
                    for (int ky = 0; ky < p; ky++)
                        for (int kx = 0; kx < p; kx++)
                            patch[i++] = image[ch * s * s + (py * p + ky) * s + px * p + kx];
                int token = 1 + py * g + px;
                x[token] = Add(Linear(patch, conv, convBias, d), pos.AsSpan(token * d, d));
            }
        for (int b = 0; b < c.Depth; b++)
        {
            string n = $"blocks.{b}.";
            float[][] h = x.Select(row => LayerNorm(row, w[n + "norm1.weight"].Data, w[n + "norm1.bias"].Data)).ToArray();
            float[][] attention = Attention(h, w[n + "attn.qkv.weight"].Data, w[n + "attn.qkv.bias"].Data, c);
            for (int t = 0; t < tokens; t++)
                x[t] = Add(x[t], Linear(attention[t], w[n + "attn.proj.weight"].Data, w[n + "attn.proj.bias"].Data, d));
            for (int t = 0; t < tokens; t++)
            {
                float[] normed = LayerNorm(x[t], w[n + "norm2.weight"].Data, w[n + "norm2.bias"].Data);
                float[] hidden = Linear(normed, w[n + "mlp.fc1.weight"].Data, w[n + "mlp.fc1.bias"].Data, c.MlpHidden);
                for (int i = 0; i < hidden.Length; i++) hidden[i] = Gelu(hidden[i]);
                x[t] = Add(x[t], Linear(hidden, w[n + "mlp.fc2.weight"].Data, w[n + "mlp.fc2.bias"].Data, d));
            }
        }
        float[] feature = LayerNorm(x[0], w["norm.weight"].Data, w["norm.bias"].Data);
        return c.Classes == 0 ? feature : Linear(feature, w["head.weight"].Data, w["head.bias"].Data, c.Classes);
    }

    static float[][] Attention(float[][] h, float[] qkvWeight, float[] qkvBias, ViTConfig c)
    {
        int d = c.Dim, hd = c.HeadDim, n = h.Length;
        float[][] qkv = h.AsParallel().AsOrdered().Select(row => Linear(row, qkvWeight, qkvBias, 3 * d)).ToArray();
        var output = Enumerable.Range(0, n).Select(_ => new float[d]).ToArray();
        double scale = 1 / Math.Sqrt(hd);
        for (int head = 0; head < c.Heads; head++)
            for (int i = 0; i < n; i++)
            {
                var scores = new double[n];
                for (int j = 0; j < n; j++)
                    scores[j] = scale * TensorPrimitives.Dot(qkv[i].AsSpan(head * hd, hd), qkv[j].AsSpan(d + head * hd, hd));
                double max = scores.Max(), total = 0;
                for (int j = 0; j < n; j++) total += scores[j] = Math.Exp(scores[j] - max);
                for (int j = 0; j < n; j++)
                    for (int k = 0; k < hd; k++)
                        output[i][head * hd + k] += (float)(scores[j] / total * qkv[j][2 * d + head * hd + k]);
            }
        return output;
    }

    static float[] Linear(float[] input, float[] weight, float[] bias, int outputs)
    {
        var y = new float[outputs];
        int inputs = input.Length;
        Parallel.For(0, outputs, o => y[o] = TensorPrimitives.Dot(input, weight.AsSpan(o * inputs, inputs)) + bias[o]);
        return y;
    }

    static float[] LayerNorm(float[] x, float[] gamma, float[] beta)
    {
        double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        double inv = 1 / Math.Sqrt(variance + ViTConfig.LayerNormEps);
        return x.Select((v, i) => (float)((v - mean) * inv * gamma[i] + beta[i])).ToArray();
    }

    static float[] Add(float[] a, ReadOnlySpan<float> b)
    {
        var sum = new float[a.Length];
        for (int i = 0; i < a.Length; i++) sum[i] = a[i] + b[i];
        return sum;
    }

    static float Gelu(float x) => (float)(0.5 * x * (1 + Erf(x / Math.Sqrt(2))));

    /// <summary>erf from the complementary error function's Chebyshev fit (Numerical Recipes erfcc), |rel. error| &lt; 1.2e-7.</summary>
    static double Erf(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
