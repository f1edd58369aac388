// Where frames come from: a camera, a video file or a still image.

/** Explain a getUserMedia failure in one line. */
export function cameraError(err) {
  const name = err?.name || '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'camera: permission denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'camera: no camera found';
  if (name === 'NotReadableError') return 'camera: the camera is in use by another program';
  if (!navigator.mediaDevices?.getUserMedia) return 'camera: not available here (the page needs https or localhost)';
  return `camera: ${err?.message || err}`;
}

export async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error(cameraError(null));
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: false });
  } catch (err) {
    throw new Error(cameraError(err));
  }
  video.srcObject = stream;
  video.muted = true;
  await video.play();
  return { kind: 'camera', element: video, live: true, stop: () => stream.getTracks().forEach((t) => t.stop()) };
}

export async function openVideoFile(video, file) {
  const url = URL.createObjectURL(file);
  video.srcObject = null;
  video.src = url;
  video.loop = true;
  video.muted = true;
  try {
    await video.play();
  } catch (err) {
    URL.revokeObjectURL(url);
    throw new Error(`video ${file.name}: cannot be played here (${err.message || err})`);
  }
  return { kind: 'video', element: video, live: true, stop: () => { video.pause(); URL.revokeObjectURL(url); } };
}

export async function openImage(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`image ${file.name}: not a readable image`);
  }
  return { kind: 'image', element: bitmap, live: false, stop: () => bitmap.close() };
}

/** The source's current size in pixels. */
export function sourceSize(source) {
  const el = source.element;
  return source.kind === 'image' ? [el.width, el.height] : [el.videoWidth, el.videoHeight];
}
