package org.spicejava.core.compress;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;

import org.spicejava.core.display.draw.Bitmap;

/** The JDK's JPEG writer behind the interface spice-ffi implements with libturbojpeg, for spice-core's tests. */
public class ImageIoJpeg implements JpegEncoder {
    private int encoded;

    @Override
    public long maxSize(int width, int height) {
        return 4L * width * height + 4096;
    }

    @Override
    public long encode(Bitmap b, int quality, MemorySegment dest) {
        encoded++;
        BufferedImage image = new BufferedImage(b.width(), b.height(), BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, b.width(), b.height(), b.toArray(), 0, b.width());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (var stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = out.toByteArray();
        MemorySegment.copy(jpeg, 0, dest, ValueLayout.JAVA_BYTE, 0, jpeg.length);
        return jpeg.length;
    }

    /** How many images it encoded. */
    public int encoded() {
        return encoded;
    }

    @Override
    public void close() {
    }
}
