/* The app of the Wine end-to-end test: a real Windows HTTP server (winsock, a thread a
 * connection), built by the test with mingw-w64. Every answer starts with VERSION, the
 * first word the load helpers read as "which build served this":
 *   GET /health  200 "VERSION ok"      GET /slow?ms=N  200 "VERSION slow" after N ms
 *   GET /  200 "VERSION"               POST /  200 "VERSION BYTES" (the body's length)
 *   POST /quit  200 "VERSION leaving", then the process exits (config stopPath: the polite
 *   stop a console server can honour on Windows, where it has no window for WM_CLOSE)
 * `webdemo.exe --version` prints "webdemo VERSION". Built with -DCRASH it exits 3 at
 * start (a bad build); with -DWINDOWED it owns a top-level window and leaves cleanly on
 * WM_CLOSE, as a FoxPro or other GUI server does (taskkill without /f sends it). */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VERSION
#define VERSION "v0"
#endif

static void answer(SOCKET s, int status, const char *body) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                   "Connection: close\r\n\r\n",
                   status, status == 200 ? "OK" : "Not Found", (int)strlen(body));
  send(s, head, n, 0);
  send(s, body, (int)strlen(body), 0);
}

static DWORD WINAPI serve(LPVOID arg) {
  SOCKET s = (SOCKET)arg;
  char buf[65536];
  int got = 0, r;
  char *end = NULL;
  while (!end && got < (int)sizeof buf - 1 && (r = recv(s, buf + got, sizeof buf - 1 - got, 0)) > 0) {
    got += r;
    buf[got] = 0;
    end = strstr(buf, "\r\n\r\n");
  }
  if (end) {
    long length = 0;
    char *cl = strstr(buf, "Content-Length:");
    if (!cl) cl = strstr(buf, "content-length:");
    if (cl && cl < end) length = strtol(cl + 15, NULL, 10);
    long rest = length - (long)(got - (end + 4 - buf));
    char sink[8192], posted[64];
    while (rest > 0 && (r = recv(s, sink, sizeof sink, 0)) > 0) rest -= r;
    snprintf(posted, sizeof posted, VERSION " %ld\n", length);
    if (strncmp(buf, "GET /health", 11) == 0) answer(s, 200, VERSION " ok\n");
    else if (strncmp(buf, "GET /slow", 9) == 0) {
      char *ms = strstr(buf, "ms=");
      Sleep(ms ? atoi(ms + 3) : 300);
      answer(s, 200, VERSION " slow\n");
    } else if (strncmp(buf, "GET / ", 6) == 0) answer(s, 200, VERSION "\n");
    else if (strncmp(buf, "POST / ", 7) == 0) answer(s, 200, posted);
    else if (strncmp(buf, "POST /quit ", 11) == 0) {
      answer(s, 200, VERSION " leaving\n");
      printf("webdemo " VERSION ": stop requested, leaving\n");
      shutdown(s, SD_SEND);
      closesocket(s);
      ExitProcess(0);
    }
    else answer(s, 404, VERSION " not found\n");
  }
  shutdown(s, SD_SEND);
  closesocket(s);
  return 0;
}

static SOCKET listener;

static DWORD WINAPI accept_loop(LPVOID arg) {
  (void)arg;
  for (;;) {
    SOCKET c = accept(listener, NULL, NULL);
    if (c == INVALID_SOCKET) return 0;
    HANDLE t = CreateThread(NULL, 0, serve, (LPVOID)c, 0, NULL);
    if (t) CloseHandle(t);
    else closesocket(c);
  }
}

#ifdef WINDOWED
static LRESULT CALLBACK on_message(HWND w, UINT m, WPARAM wp, LPARAM lp) {
  if (m == WM_CLOSE) {
    printf("webdemo " VERSION ": WM_CLOSE, leaving\n");
    fflush(stdout);
    PostQuitMessage(0);
    return 0;
  }
  return DefWindowProcA(w, m, wp, lp);
}
#endif

int main(int argc, char **argv) {
  int port = 0;
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--version") == 0) {
      printf("webdemo " VERSION "\n");
      return 0;
    }
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
  }
#ifdef CRASH
  printf("webdemo " VERSION ": crashing at start\n");
  return 3;
#endif
  if (!port && getenv("PORT")) port = atoi(getenv("PORT"));
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((u_short)port);
  if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, SOMAXCONN)) {
    printf("webdemo " VERSION ": cannot listen on %d: %d\n", port, WSAGetLastError());
    return 1;
  }
  printf("webdemo " VERSION " pid %lu listening on %d\n", GetCurrentProcessId(), port);
#ifdef WINDOWED
  WNDCLASSA wc = {0};
  wc.lpfnWndProc = on_message;
  wc.lpszClassName = "webdemo";
  RegisterClassA(&wc);
  CreateWindowA("webdemo", "webdemo " VERSION, WS_OVERLAPPEDWINDOW, 0, 0, 100, 100, NULL, NULL,
                NULL, NULL);
  CloseHandle(CreateThread(NULL, 0, accept_loop, NULL, 0, NULL));
  MSG msg;
  while (GetMessageA(&msg, NULL, 0, 0) > 0) DispatchMessageA(&msg);
  closesocket(listener);
  return 0;
#else
  accept_loop(NULL);
  return 0;
#endif
}
