// Recording the view canvas to a video file with MediaRecorder (WebM, or MP4 where the browser
// records that instead).

const TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4'];

export class CanvasRecorder {
  constructor(canvas, fps = 30) {
    this.canvas = canvas;
    this.fps = fps;
    this.recorder = null;
  }

  get recording() {
    return this.recorder?.state === 'recording';
  }

  /** Start; resolves once the recorder has started, so every frame drawn after that is in the file
   * (a recording stopped a few frames later was otherwise empty on a busy machine). */
  start() {
    if (typeof MediaRecorder === 'undefined') throw new Error('record: this browser has no MediaRecorder');
    const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    if (!type) throw new Error('record: this browser records none of WebM or MP4');
    this.chunks = [];
    this.type = type;
    this.recorder = new MediaRecorder(this.canvas.captureStream(this.fps), { mimeType: type });
    this.recorder.ondataavailable = (e) => { if (e.data.size) this.chunks.push(e.data); };
    return new Promise((resolve, reject) => {
      this.recorder.onstart = () => resolve();
      this.recorder.onerror = (e) => reject(e.error ?? new Error('record: the recorder failed'));
      this.recorder.start(1000);
    });
  }

  /** Stop; resolves to the recording as a Blob. */
  stop() {
    const recorder = this.recorder;
    this.recorder = null;
    if (!recorder) return Promise.resolve(null);
    return new Promise((resolve) => {
      recorder.onstop = () => {
        recorder.stream.getTracks().forEach((t) => t.stop());
        resolve(new Blob(this.chunks, { type: this.type.split(';')[0] }));
      };
      recorder.stop();
    });
  }
}
