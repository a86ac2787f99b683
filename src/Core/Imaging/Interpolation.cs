namespace Cltool.Core.Imaging;

public enum Interpolation
{
    Bilinear,
    Bicubic,
}
