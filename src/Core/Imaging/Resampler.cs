namespace Cltool.Core.Imaging;

/// <summary>
/// Resizes a region of an image exactly as Pillow resizes an RGB image, which is what torchvision's transforms call:
/// separable filters whose support widens when downsampling (antialiasing), bicubic with a = -0.5, coefficients in
/// Pillow's 22-bit fixed point, and each pass rounded and clipped to bytes (the horizontal pass first, over the rows the
/// vertical pass reads). The byte rounding between passes matters: on high-contrast content bicubic overshoots, and a
/// float pipeline differed from Pillow by up to 10 grey levels (PillowResampleTests compares against Pillow itself).
/// Output is planar float in [0, 255] (channel, row, column), whole numbers.
/// </summary>
public static class Resampler
{
    const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes the box (x, y, width, height) of <paramref name="image"/> to <paramref name="outWidth"/> x <paramref name="outHeight"/>.</summary>
    public static float[] Resize(RgbImage image, double x, double y, double width, double height, int outWidth, int outHeight, Interpolation filter)
    {
        Weights horizontal = ComputeWeights(x, width, image.Width, outWidth, filter);
        Weights vertical = ComputeWeights(y, height, image.Height, outHeight, filter);
        // Pillow skips a pass that would change nothing (same size, whole extent), so skipping it here rounds the same way.
        bool resizeRows = outWidth != image.Width || x != 0 || width != outWidth;
        bool resizeColumns = outHeight != image.Height || y != 0 || height != outHeight;

        // Horizontal pass over every source row the vertical pass will read, to bytes.
        int rowStart = resizeColumns ? vertical.Bounds.Min(b => b.Start) : 0;
        int rows = resizeColumns ? vertical.Bounds.Max(b => b.Start + b.Count) - rowStart : image.Height;
        int columns = resizeRows ? outWidth : image.Width;
        var temp = new byte[rows * columns * 3];
        byte[] pixels = image.Pixels;
        for (int r = 0; r < rows; r++)
        {
            int sourceRow = (rowStart + r) * image.Width * 3, targetRow = r * columns * 3;
            if (!resizeRows)
            {
                Array.Copy(pixels, sourceRow, temp, targetRow, columns * 3);
                continue;
            }
            for (int o = 0; o < outWidth; o++)
                for (int c = 0; c < 3; c++)
                    temp[targetRow + o * 3 + c] = Apply(horizontal, o, k => pixels[sourceRow + k * 3 + c]);
        }

        var output = new float[3 * outHeight * outWidth];
        for (int o = 0; o < outHeight; o++)
            for (int column = 0; column < outWidth; column++)
                for (int c = 0; c < 3; c++)
                    output[(c * outHeight + o) * outWidth + column] = resizeColumns
                        ? Apply(vertical, o, k => temp[((k - rowStart) * columns + column) * 3 + c])
                        : temp[(o * columns + column) * 3 + c];
        return output;
    }

    /// <summary>One output sample in Pillow's fixed point: half-unit start, integer taps, shift and clip to a byte.</summary>
    static byte Apply(Weights weights, int output, Func<int, byte> source)
    {
        (int start, int count) = weights.Bounds[output];
        long sum = 1L << (PrecisionBits - 1);
        for (int k = 0; k < count; k++) sum += source(start + k) * (long)weights.Coefficients[output * weights.Stride + k];
        return sum <= 0 ? (byte)0 : sum >= 255L << PrecisionBits ? (byte)255 : (byte)(sum >> PrecisionBits);
    }

    sealed record Weights((int Start, int Count)[] Bounds, int[] Coefficients, int Stride);

    static Weights ComputeWeights(double offset, double length, int sourceSize, int outSize, Interpolation filter)
    {
        double support = filter == Interpolation.Bicubic ? 2.0 : 1.0;
        double scale = length / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double window = support * filterScale;
        int stride = (int)Math.Ceiling(window) * 2 + 1;
        var bounds = new (int, int)[outSize];
        var coefficients = new int[outSize * stride];
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
            for (int k = 0; k < count; k++)
            {
                double normalised = total == 0 ? 0 : taps[k] / total;   // then Pillow's rounding to fixed point, away from zero
                coefficients[o * stride + k] = (int)(normalised * (1 << PrecisionBits) + (normalised < 0 ? -0.5 : 0.5));
            }
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
