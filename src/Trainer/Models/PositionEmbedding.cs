using Cltool.Core.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cltool.Trainer.Models;

/// <summary>Position-embedding resampling as timm's resample_abs_pos_embed: bicubic with antialias, class token kept.</summary>
public static class PositionEmbedding
{
    public static Tensor Resample(Tensor posEmbed, int targetGrid)
    {
        long tokens = posEmbed.shape[1], dim = posEmbed.shape[2];
        int sourceGrid = ViTWeights.PositionGrid(tokens)
            ?? throw new Core.Errors.CltoolException($"A position embedding of {tokens} tokens is not a class token plus a square grid.");
        if (sourceGrid == targetGrid) return posEmbed.alias();
        using var scope = NewDisposeScope();
        Tensor classToken = posEmbed[.., ..1];
        Tensor grid = posEmbed[.., 1..].reshape(1, sourceGrid, sourceGrid, dim).permute(0, 3, 1, 2);
        Tensor resized = functional.interpolate(grid, [targetGrid, targetGrid], mode: InterpolationMode.Bicubic,
            align_corners: false, antialias: true);
        Tensor tokensOut = resized.permute(0, 2, 3, 1).reshape(1, targetGrid * targetGrid, dim);
        return cat([classToken, tokensOut], 1).MoveToOuterDisposeScope();
    }
}
