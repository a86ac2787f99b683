using Cltool.Core.Models;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>The checks every infer request's input tensor passes, whichever protocol carried it.</summary>
public static class InputCheck
{
    /// <summary>The number of images in an input tensor of <paramref name="shape"/>; a 400 (or 413) naming what is wrong otherwise.</summary>
    public static int Images(string name, string datatype, IReadOnlyList<long> shape, ModelSession model, int maxImages)
    {
        if (name != ModelSignature.Input) throw HostError.BadRequest($"input '{name}' is unknown; the model's input is '{ModelSignature.Input}'.");
        if (datatype != "FP32") throw HostError.BadRequest($"input '{name}' has datatype '{datatype}'; expected FP32.");
        string expected = $"[N, {model.Channels}, {model.Height}, {model.Width}]";
        if (shape.Count != 4 || shape[1] != model.Channels || shape[2] != model.Height || shape[3] != model.Width || shape[0] < 1)
            throw HostError.BadRequest($"input '{name}' has shape [{string.Join(", ", shape)}]; expected {expected} with N >= 1.");
        if (shape[0] > maxImages)
            throw HostError.TooLarge($"input '{name}' holds {shape[0]} images; at most {maxImages} per request.");
        return (int)shape[0];
    }

    /// <summary><paramref name="values"/> when every one is finite; a 400 naming the first that is not otherwise.</summary>
    public static float[] Finite(float[] values, string name)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        return bad < 0 ? values : throw HostError.BadRequest($"input '{name}' data must be finite numbers, got {values[bad]} at element {bad}.");
    }
}
