// Where frames come from: a camera, a video file or a still image. Each source has its own
// element, so stopping the old source never touches the new one. A live source counts the frames
// its element presents (requestVideoFrameCallback), so the page stylises each new frame once.

/** Explain a getUserMedia failure in one line. */
export function cameraError(err) {
  const name = err?.name || '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'camera: permission denied';
  if (name === 'NotFoundError') return 'camera: no camera found';
  if (name === 'OverconstrainedError') return 'camera: the chosen camera or resolution is not available';
  if (name === 'NotReadableError') return 'camera: the camera is in use by another program';
  if (!navigator.mediaDevices?.getUserMedia) {
    return 'camera: not available here (the page needs https or localhost: this is not a secure context)';
  }
  return `camera: ${err?.message || err}`;
}

function videoElement() {
  const video = document.createElement('video');
  video.playsInline = true;
  video.muted = true;
  video.hidden = true;
  document.getElementById('sources').append(video);
  return video;
}

/** Count presented frames on `source.frame`; `source.paced` once the browser reports them. */
function countFrames(source) {
  const video = source.element;
  if (!video.requestVideoFrameCallback) return;
  const next = () => {
    if (source.stopped) return;
    source.frame += 1;
    source.paced = true;
    video.requestVideoFrameCallback(next);
  };
  video.requestVideoFrameCallback(next);
}

function liveSource(kind, video, stop) {
  const source = { kind, element: video, live: true, frame: 0, paced: false, stopped: false };
  source.stop = () => {
    if (source.stopped) return;
    source.stopped = true;
    stop();
    video.pause();
    video.removeAttribute('src');
    video.srcObject = null;
    video.remove();
  };
  countFrames(source);
  return source;
}

/** The cameras the browser lists (labels appear once camera permission is given). */
export async function listCameras() {
  const devices = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) || [];
  return devices.filter((d) => d.kind === 'videoinput');
}

/** Open a camera: `deviceId` ('' for the default) at about `width` x `height`; `onEnded(message)`
 * runs if the camera goes away (unplugged, or taken by the system) after the source is closed. */
export async function openCamera({ deviceId = '', width = 640, height = 360 } = {}, onEnded = () => {}) {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error(cameraError(null));
  const video = { width: { ideal: width }, height: { ideal: height } };
  if (deviceId) video.deviceId = { exact: deviceId };
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
  } catch (err) {
    throw new Error(cameraError(err));
  }
  const element = videoElement();
  const source = liveSource('camera', element, () => stream.getTracks().forEach((t) => t.stop()));
  const track = stream.getVideoTracks()[0];
  source.label = track?.label || 'camera';
  source.deviceId = track?.getSettings?.().deviceId || deviceId;
  track?.addEventListener('ended', () => {
    if (source.stopped) return;
    source.stop();
    onEnded(`camera: ${source.label} stopped sending frames (unplugged, or taken by another program)`);
  });
  element.srcObject = stream;
  try {
    await element.play();
  } catch (err) {
    source.stop();
    throw new Error(`camera: cannot play its video here (${err?.message || err})`);
  }
  return source;
}

export async function openVideoFile(file) {
  const url = URL.createObjectURL(file);
  const element = videoElement();
  element.src = url;
  element.loop = true;
  const source = liveSource('video', element, () => URL.revokeObjectURL(url));
  try {
    await element.play();
  } catch (err) {
    source.stop();
    throw new Error(`video ${file.name}: cannot be played here (${err?.message || err})`);
  }
  return source;
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
