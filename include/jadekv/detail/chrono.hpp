// detail/chrono.hpp: std::chrono's durations, time points and clocks, without
// the rest of <chrono>.
//
// Since C++20, <chrono> also declares calendars, time zones and their
// formatting; with libstdc++ that brings in locales and string streams, about
// 70 ms of every includer's compile time (g++ 12 -O2, issue 11). libstdc++
// keeps durations and clocks in <bits/chrono.h>, the part its <thread>,
// <mutex> and <filesystem> include; with another library, plain <chrono>.
#pragma once

#include <version>

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
