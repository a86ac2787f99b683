
namespace Cltool.Core.Imaging;

/// <summary>
/// How images become model input, stored in every model card and ONNX file so training, evaluation and serving agree.
/// Evaluation: resize the shorter side to <see cref="ResizeSize"/> (= floor(size / crop fraction)), centre-crop
/// <see cref="ImageSize"/>, scale to [0, 1], then (x - mean) / std unless <see cref="Normalize"/> is off (the official
/// SD-LoRA code feeds [0, 1] pixels to a ViT that expects normalised ones; that quirk is reproducible here).
/// </summary>
public sealed record Preprocessing(int ImageSize, double CropFraction, Interpolation Interpolation, float[] Mean, float[] Std, bool Normalize)
{
    public int ResizeSize => (int)Math.Floor(ImageSize / CropFraction);

    /// <summary>timm's ViT default: bicubic, crop 0.9, mean = std = 0.5.</summary>
    public static Preprocessing Timm(int imageSize) => new(imageSize, 0.9, Interpolation.Bicubic, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], true);

    /// <summary>SD-LoRA's official code: Resize(256) + CenterCrop(224) bicubic, no normalisation.</summary>
    public static Preprocessing SdLoraOfficial(int imageSize) => new(imageSize, 224.0 / 256, Interpolation.Bicubic, [0f, 0f, 0f], [1f, 1f, 1f], false);

    /// <summary>Small images that already have the model's size: no crop, mean = std = 0.5.</summary>
    public static Preprocessing Native(int imageSize) => new(imageSize, 1.0, Interpolation.Bicubic, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], true);
}
