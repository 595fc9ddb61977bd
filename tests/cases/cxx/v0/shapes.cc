// shapes.cc - Square::area() should be side * side; Counter::step() should
// add 'by' twice.
#include "shapes.h"

Shape::~Shape() {}

int Square::area() const
{
	return side * 4;
}

int Circle::area() const
{
	return 3 * radius * radius;
}

int Counter::step(int by)
{
	total += by;
	return total;
}

Shape *make_shape(long i)
{
	if (i % 2)
		return new Square((int)i);
	return new Circle((int)i);
}
