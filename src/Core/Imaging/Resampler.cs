namespace Cltool.Core.Imaging;

public enum Interpolation
{
    Bilinear,
    Bicubic,
}

/// <summary>
/// Resizes a region of an image with separable filters whose support widens when downsampling (antialiasing), as
/// Pillow's resample does, so torchvision's PIL-based transforms are reproduced. Bicubic uses a = -0.5 as Pillow.
/// Output is planar float in [0, 255] (channel, row, column).
/// </summary>
public static class Resampler
{
    /// <summary>Resizes the box (x, y, width, height) of <paramref name="image"/> to <paramref name="outWidth"/> x <paramref name="outHeight"/>.</summary>
    public static float[] Resize(RgbImage image, double x, double y, double width, double height, int outWidth, int outHeight, Interpolation filter)
    {
        Weights horizontal = ComputeWeights(x, width, image.Width, outWidth, filter);
        Weights vertical = ComputeWeights(y, height, image.Height, outHeight, filter);

        // Horizontal pass over every source row the vertical pass will read.
        int rowStart = vertical.Bounds.Min(b => b.Start), rowEnd = vertical.Bounds.Max(b => b.Start + b.Count);
        int rows = rowEnd - rowStart;
        var temp = new float[3 * rows * outWidth];
        byte[] pixels = image.Pixels;
        for (int r = 0; r < rows; r++)
        {
            int sourceRow = (rowStart + r) * image.Width * 3;
            for (int o = 0; o < outWidth; o++)
            {
                (int start, int count) = horizontal.Bounds[o];
                float red = 0, green = 0, blue = 0;
                for (int k = 0; k < count; k++)
                {
                    float w = horizontal.Coefficients[o * horizontal.Stride + k];
                    int at = sourceRow + (start + k) * 3;
                    red += w * pixels[at];
                    green += w * pixels[at + 1];
                    blue += w * pixels[at + 2];
                }
                temp[(0 * rows + r) * outWidth + o] = red;
                temp[(1 * rows + r) * outWidth + o] = green;
                temp[(2 * rows + r) * outWidth + o] = blue;
            }
        }

        var output = new float[3 * outHeight * outWidth];
        for (int c = 0; c < 3; c++)
        for (int o = 0; o < outHeight; o++)
        {
            (int start, int count) = vertical.Bounds[o];
            for (int column = 0; column < outWidth; column++)
            {
                float sum = 0;
                for (int k = 0; k < count; k++)
                    sum += vertical.Coefficients[o * vertical.Stride + k] * temp[(c * rows + start + k - rowStart) * outWidth + column];
                output[(c * outHeight + o) * outWidth + column] = Math.Clamp(sum, 0f, 255f);
            }
        }
        return output;
    }

    sealed record Weights((int Start, int Count)[] Bounds, float[] Coefficients, int Stride);

    static Weights ComputeWeights(double offset, double length, int sourceSize, int outSize, Interpolation filter)
    {
        double support = filter == Interpolation.Bicubic ? 2.0 : 1.0;
        double scale = length / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double window = support * filterScale;
        int stride = (int)Math.Ceiling(window) * 2 + 1;
        var bounds = new (int, int)[outSize];
        var coefficients = new float[outSize * stride];
        for (int o = 0; o < outSize; o++)
        {
            double centre = offset + (o + 0.5) * scale;
            int start = Math.Max(0, (int)(centre - window + 0.5));
            int end = Math.Min(sourceSize, (int)(centre + window + 0.5));
            int count = end - start;
            double total = 0;
            var taps = new double[count];
            for (int k = 0; k < count; k++)
            {
                taps[k] = Kernel((start + k - centre + 0.5) / filterScale, filter);
                total += taps[k];
            }
            for (int k = 0; k < count; k++) coefficients[o * stride + k] = (float)(total == 0 ? 0 : taps[k] / total);
            bounds[o] = (start, count);
        }
        return new Weights(bounds, coefficients, stride);
    }

    static double Kernel(double x, Interpolation filter)
    {
        x = Math.Abs(x);
        if (filter == Interpolation.Bilinear) return x < 1 ? 1 - x : 0;
        const double a = -0.5;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
