
namespace Cltool.Core.Imaging;

/// <summary>The train-time augmentation: torchvision's RandomResizedCrop (bilinear) and an optional horizontal flip.</summary>
public sealed record Augmentation(double MinScale, double MaxScale = 1.0, bool Flip = true)
{
    public const double MinRatio = 3.0 / 4, MaxRatio = 4.0 / 3;

    /// <summary>The official SD-LoRA training transform: scale (0.05, 1), flip.</summary>
    public static Augmentation SdLoraOfficial => new(0.05);
}
