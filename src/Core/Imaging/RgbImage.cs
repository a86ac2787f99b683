using SkiaSharp;
namespace Cltool.Core.Imaging;

/// <summary>An 8-bit RGB image, pixels interleaved row by row (R, G, B, R, G, B, ...).</summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        if (pixels.Length != width * height * 3)
            throw new ArgumentException($"A {width}x{height} RGB image needs {width * height * 3} bytes, got {pixels.Length}.");
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>A grey image (one byte per pixel) replicated into three channels.</summary>
    public static RgbImage FromGray(int width, int height, ReadOnlySpan<byte> gray)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) pixels[3 * i] = pixels[3 * i + 1] = pixels[3 * i + 2] = gray[i];
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Planar channels (CIFAR's layout: all R, then all G, then all B).</summary>
    public static RgbImage FromPlanar(int width, int height, ReadOnlySpan<byte> planes)
    {
        int area = width * height;
        var pixels = new byte[area * 3];
        for (int i = 0; i < area; i++)
            for (int c = 0; c < 3; c++)
                pixels[3 * i + c] = planes[c * area + i];
        return new RgbImage(width, height, pixels);
    }

    public SKImage ToSkia()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[Width * Height * 4];
        for (int i = 0, j = 0; i < Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = Pixels[i];
            rgba[j + 1] = Pixels[i + 1];
            rgba[j + 2] = Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        return SKImage.FromPixelCopy(info, rgba);
    }

    /// <summary>The image as a PNG file's bytes (lossless).</summary>
    public byte[] EncodePng()
    {
        using SKImage image = ToSkia();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
