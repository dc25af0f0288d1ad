// Colour maps for scalar fields (shower energies, and the cyclone and GW fields to come).
// Viridis is the default: perceptually uniform, readable in grey and by colour-blind people;
// the rainbow (blue to red) stays as a choice for those used to it.
#pragma once

#include <QRgb>
#include <QString>
#include <QStringList>

class vtkLookupTable;

namespace tf::viewers {

enum class ColourMap { Viridis, Rainbow };
QStringList colourMapNames();                 // "viridis", "rainbow": the order of the enum
ColourMap colourMapFromName(const QString& name);  // Viridis for an unknown name
QString colourMapName(ColourMap m);
// Fills a 256-entry VTK lookup table with the map, low values first.
void fillLookupTable(vtkLookupTable* lut, ColourMap m);
// The map's colour at t in [0, 1] (clamped), for images painted without VTK.
QRgb colourAt(ColourMap m, double t);

}  // namespace tf::viewers
