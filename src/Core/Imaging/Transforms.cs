
namespace Cltool.Core.Imaging;

/// <summary>Image → planar float input [channels, size, size], the exact transforms of torchvision with Pillow.</summary>
public static class Transforms
{
    public static float[] Eval(RgbImage image, Preprocessing preprocessing)
    {
        // Resize(shorter side) as torchvision: the longer side is truncated, not rounded.
        int resize = preprocessing.ResizeSize;
        (int width, int height) = image.Width <= image.Height
            ? (resize, (int)((long)resize * image.Height / image.Width))
            : ((int)((long)resize * image.Width / image.Height), resize);
        int size = preprocessing.ImageSize;
        // CenterCrop: Python's round() rounds halves to even.
        int top = (int)Math.Round((height - size) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((width - size) / 2.0, MidpointRounding.ToEven);
        double scaleX = (double)image.Width / width, scaleY = (double)image.Height / height;
        float[] pixels = Resampler.Resize(image, left * scaleX, top * scaleY, size * scaleX, size * scaleY, size, size, preprocessing.Interpolation);
        return ToInput(pixels, preprocessing);
    }

    public static float[] Train(RgbImage image, Preprocessing preprocessing, Augmentation augmentation, bool allowFlip, Random random)
    {
        (int top, int left, int height, int width) = RandomResizedCropBox(image.Width, image.Height, augmentation, random);
        int size = preprocessing.ImageSize;
        float[] pixels = Resampler.Resize(image, left, top, width, height, size, size, Interpolation.Bilinear);
        if (augmentation.Flip && allowFlip && random.NextDouble() < 0.5) FlipHorizontally(pixels, size);
        return ToInput(pixels, preprocessing);
    }

    /// <summary>torchvision's RandomResizedCrop.get_params: ten tries at a random area and log-uniform aspect, then a centre crop.</summary>
    public static (int Top, int Left, int Height, int Width) RandomResizedCropBox(int imageWidth, int imageHeight, Augmentation augmentation, Random random)
    {
        double area = (double)imageWidth * imageHeight;
        double logMin = Math.Log(Augmentation.MinRatio), logMax = Math.Log(Augmentation.MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (augmentation.MinScale + random.NextDouble() * (augmentation.MaxScale - augmentation.MinScale));
            double ratio = Math.Exp(logMin + random.NextDouble() * (logMax - logMin));
            int w = (int)Math.Round(Math.Sqrt(target * ratio), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(target / ratio), MidpointRounding.ToEven);
            if (w > 0 && h > 0 && w <= imageWidth && h <= imageHeight)
                return (random.Next(imageHeight - h + 1), random.Next(imageWidth - w + 1), h, w);
        }
        double inputRatio = (double)imageWidth / imageHeight;
        (int width, int height) = inputRatio < Augmentation.MinRatio
            ? (imageWidth, (int)Math.Round(imageWidth / Augmentation.MinRatio, MidpointRounding.ToEven))
            : inputRatio > Augmentation.MaxRatio
                ? ((int)Math.Round(imageHeight * Augmentation.MaxRatio, MidpointRounding.ToEven), imageHeight)
                : (imageWidth, imageHeight);
        return ((imageHeight - height) / 2, (imageWidth - width) / 2, height, width);
    }

    static void FlipHorizontally(float[] planar, int size)
    {
        for (int row = 0; row < 3 * size; row++) Array.Reverse(planar, row * size, size);
    }

    static float[] ToInput(float[] pixels, Preprocessing preprocessing)
    {
        int plane = pixels.Length / 3;
        for (int c = 0; c < 3; c++)
        {
            float mean = preprocessing.Normalize ? preprocessing.Mean[c] : 0, inverseStd = preprocessing.Normalize ? 1 / preprocessing.Std[c] : 1;
            for (int i = c * plane; i < (c + 1) * plane; i++) pixels[i] = (pixels[i] / 255f - mean) * inverseStd;
        }
        return pixels;
    }
}
